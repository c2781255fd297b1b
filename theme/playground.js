// The StatefulSet Book: the playground panel.
//
// A chapter places `<div class="sts-playground" data-scenario="ordinal-pods"
// data-manifest="ordinal-pods/web.yaml">` with a translated `<noscript>` paragraph and the
// scenario's narration as an ordered list (markdown, so po/ko.po translates it). This script
// turns each such element into a small cluster simulated in the browser: the playground core
// (`playground.wasm`, next to this file, built by `cargo xtask build`) runs the lab cluster's own
// controllers over an in-memory store with simulated time. One wasm instance per panel.
//
// The core's ABI: pg_alloc(len) -> ptr, pg_free(ptr, len), pg_call(ptr, len) -> response length,
// pg_result_ptr() -> response pointer; requests and responses are JSON ({"op": ...}).
//
// JavaScript API, for instructors' scripted demos and the tests: `element.playground`
//   apply(yamlText), scale(name, n), deletePod(name), setReady(pod, bool), setImage(name, image),
//   patch(kind, name, patch, type), deleteStatefulSet(name, cascade), failNode(name),
//   recoverNode(name), advance(seconds), reset(), state(), dns(name, type)
// Each returns a promise of the core's answer ({ok: true, ...} or {ok: false, error}), and
// the panel shows the result. `element.playground.ready` resolves once the core is loaded.
(function () {
    "use strict";

    const SCRIPT = document.currentScript ? document.currentScript.src : location.href;
    const WASM_URL = new URL("playground.wasm", SCRIPT).href;
    const MANIFESTS_URL = new URL("../manifests/", SCRIPT).href;
    const LANG = document.documentElement.lang === "ko" ? "ko" : "en";
    const ALL_LABELS = window.STS_PLAYGROUND_LABELS || {};
    const T = ALL_LABELS[LANG] || ALL_LABELS.en || {};
    const NS = "default";
    const DOMAIN = "svc.cluster.local";
    const MISSING = [];

    function t(key, vars) {
        let s = T[key];
        if (s === undefined) {
            // The tests read this list: every label must exist in both languages.
            if (MISSING.indexOf(LANG + ":" + key) < 0) {
                MISSING.push(LANG + ":" + key);
            }
            s = (ALL_LABELS.en && ALL_LABELS.en[key]) || key;
        }
        if (vars) {
            for (const k of Object.keys(vars)) {
                s = s.split("{" + k + "}").join(String(vars[k]));
            }
        }
        return s;
    }

    function esc(s) {
        return String(s === undefined || s === null ? "" : s)
            .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    }

    // Single quotes for a shell, as the kubectl commands are shown.
    function shq(s) {
        return /^[A-Za-z0-9_.\/:=,-]+$/.test(s) ? s : "'" + String(s).replace(/'/g, "'\\''") + "'";
    }

    // --- The core -------------------------------------------------------------------------

    let compiled = null;
    function compile() {
        if (!compiled) {
            compiled = fetch(WASM_URL).then(function (r) {
                if (!r.ok) {
                    throw new Error(t("errNoCore", { url: WASM_URL, status: r.status }));
                }
                // Compiles while it downloads when the server says application/wasm.
                if (WebAssembly.compileStreaming && (r.headers.get("Content-Type") || "").indexOf("application/wasm") === 0) {
                    return WebAssembly.compileStreaming(r);
                }
                return r.arrayBuffer().then(function (bytes) { return WebAssembly.compile(bytes); });
            });
        }
        return compiled;
    }

    const encoder = new TextEncoder();
    const decoder = new TextDecoder();

    class Core {
        constructor(module) {
            // wasm32-unknown-unknown with std imports nothing; name any import if one appears.
            const imports = {};
            for (const imp of WebAssembly.Module.imports(module)) {
                imports[imp.module] = imports[imp.module] || {};
                imports[imp.module][imp.name] = function () {
                    throw new Error("the playground core called the missing import " + imp.module + "." + imp.name);
                };
            }
            this.x = new WebAssembly.Instance(module, imports).exports;
            this.broken = null;
        }
        call(request) {
            if (this.broken) {
                return { ok: false, error: this.broken };
            }
            const x = this.x;
            const bytes = encoder.encode(JSON.stringify(request));
            try {
                const ptr = x.pg_alloc(bytes.length);
                new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
                const len = x.pg_call(ptr, bytes.length);
                x.pg_free(ptr, bytes.length);
                const at = x.pg_result_ptr();
                return JSON.parse(decoder.decode(new Uint8Array(x.memory.buffer, at, len)));
            } catch (e) {
                // A trap (a panic in the core) leaves the instance unusable.
                this.broken = t("errCrashed", { error: String(e && e.message || e) });
                return { ok: false, error: this.broken };
            }
        }
    }

    function fetchManifest(path) {
        return fetch(MANIFESTS_URL + path).then(function (r) {
            if (!r.ok) {
                throw new Error(t("errNoManifest", { path: path, status: r.status }));
            }
            return r.text();
        });
    }

    // --- Reading the cluster's state --------------------------------------------------------

    function cond(obj, type) {
        const cs = (obj.status && obj.status.conditions) || [];
        for (const c of cs) {
            if (c.type === type) {
                return c.status;
            }
        }
        return null;
    }

    // The objects of a kind in the namespace `default` (and the cluster-scoped ones: nodes,
    // volumes); the system namespaces' objects are not the reader's.
    function byKind(objects, kind) {
        return objects.filter(function (o) {
            const ns = o.metadata && o.metadata.namespace;
            return o.kind === kind && (!ns || ns === NS);
        });
    }

    function ordinalSort(a, b) {
        const na = a.metadata.name, nb = b.metadata.name;
        const ma = /^(.*)-(\d+)$/.exec(na), mb = /^(.*)-(\d+)$/.exec(nb);
        if (ma && mb && ma[1] === mb[1]) {
            return Number(ma[2]) - Number(mb[2]);
        }
        return na < nb ? -1 : na > nb ? 1 : 0;
    }

    // What `kubectl get pods` shows in STATUS, besides the phase.
    function podReason(p) {
        if (p.metadata.deletionTimestamp) {
            return "Terminating";
        }
        const st = p.status || {};
        for (const c of st.containerStatuses || []) {
            if (c.state && c.state.waiting && c.state.waiting.reason) {
                return c.state.waiting.reason;
            }
        }
        if (st.phase === "Pending" && p.spec && p.spec.nodeName) {
            return "ContainerCreating";
        }
        return st.reason || "";
    }

    // Simulated seconds of a Kubernetes timestamp: the core counts from its start, which it
    // writes as the Unix epoch (numbers are taken as they are).
    function seconds(ts) {
        if (ts === undefined || ts === null) {
            return null;
        }
        if (typeof ts === "number") {
            return ts;
        }
        const ms = Date.parse(ts);
        return isNaN(ms) ? null : ms / 1000;
    }

    function fmtTime(s) {
        if (s === null || s === undefined) {
            return "";
        }
        return (Math.round(s * 10) / 10).toFixed(1) + t("unitSeconds");
    }

    // --- Scenarios: the actions of each step (the narration is the chapter's list) ----------

    const SCENARIOS = {
        "replicaset-vs-statefulset": {
            manifest: ["replicaset-and-statefulset/replicaset.yaml", "replicaset-and-statefulset/statefulset.yaml"],
            steps: [
                function (p) { return p.applyFile("replicaset-and-statefulset/replicaset.yaml"); },
                function (p) { return p.applyFile("replicaset-and-statefulset/statefulset.yaml"); },
                function (p) { return p.api.deletePod(p.firstPod("web-rs")); },
                function (p) { return p.api.deletePod("web-sts-1"); },
            ],
        },
        "ordinal-pods": {
            manifest: ["ordinal-pods/web.yaml"],
            steps: [
                function (p) { return p.applyFile("ordinal-pods/web.yaml"); },
                function (p) { return p.api.scale("web", 5); },
                function (p) { return p.api.scale("web", 2); },
                function (p) { return p.api.deletePod("web-1"); },
            ],
        },
        "stuck-pod": {
            manifest: ["ordinal-pods/web.yaml"],
            steps: [
                function (p) { return p.applyFile("ordinal-pods/web.yaml"); },
                function (p) { return p.api.setReady("web-1", false); },
                function (p) { return p.api.scale("web", 5); },
                function (p) { return p.api.setReady("web-1", true); },
                function (p) { return p.applyFile("ordinal-pods/web-parallel.yaml"); },
                function (p) { return p.api.setReady("web-parallel-1", false); },
                function (p) { return p.api.scale("web-parallel", 5); },
            ],
        },
        "claims-retention": {
            manifest: ["volume-claim-templates/web-with-storage.yaml"],
            steps: [
                function (p) { return p.applyFile("volume-claim-templates/web-with-storage.yaml"); },
                function (p) { return p.api.deletePod("web-1"); },
                function (p) { return p.api.scale("web", 1); },
                function (p) { return p.api.scale("web", 3); },
                function (p) {
                    return p.api.patch("StatefulSet", "web",
                        { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" } } }, "strategic");
                },
                function (p) { return p.api.scale("web", 1); },
                function (p) { return p.api.deleteStatefulSet("web", "background"); },
            ],
        },
        "headless-dns": {
            manifest: ["headless-services/nginx-headless.yaml", "headless-services/web.yaml"],
            steps: [
                function (p) { return p.applyFile("headless-services/nginx-headless.yaml", "headless-services/web.yaml"); },
                function (p) { return p.api.deletePod("web-0"); },
                function (p) { return p.api.setReady("web-1", false); },
                function (p) { return p.api.setReady("web-1", true); },
            ],
        },
        "partitioned-update": {
            manifest: ["updates/web.yaml"],
            steps: [
                function (p) { return p.applyFile("updates/web.yaml"); },
                function (p) {
                    return p.api.patch("StatefulSet", "web",
                        { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } } }, "strategic");
                },
                function (p) { return p.api.setImage("web", "nginx:1.28-alpine"); },
                function (p) {
                    return p.api.patch("StatefulSet", "web",
                        { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } } } }, "strategic");
                },
                function (p) { return p.api.setImage("web", "nginx:1.27-alpine"); },
            ],
        },
        "node-failure": {
            manifest: ["volume-claim-templates/web-with-storage.yaml"],
            steps: [
                function (p) { return p.applyFile("volume-claim-templates/web-with-storage.yaml"); },
                function (p) { return p.api.failNode(p.nodeOf("web-0")); },
                function (p) { return p.api.advance(60); },
                function (p) { return p.api.advance(300); },
                function (p) { return p.api.recoverNode(p.failedNode()); },
            ],
        },
    };

    // --- The panel --------------------------------------------------------------------------

    const SPEEDS = [1, 2, 5, 10, 30];
    const TICK_MS = 200;
    const panels = [];

    class Panel {
        constructor(el) {
            this.el = el;
            this.scenarioId = el.dataset.scenario || "";
            this.scenario = SCENARIOS[this.scenarioId] || null;
            const files = (el.dataset.manifest || "").split(/\s+/).filter(Boolean);
            this.manifestFiles = files.length ? files : (this.scenario ? this.scenario.manifest : []);
            this.core = null;
            this.playing = false;
            this.speed = 2;
            this.step = 0;
            this.selected = null;
            this.last = {};
            this.log = [];
            this.lastReady = {};
            this.failed = {};
            this.state = { time: 0, objects: [], events: [] };
            this.readNarration();
            this.build();
            this.api = this.makeApi();
            el.playground = this.api;
        }

        // The chapter's list items are the steps' narration, in the page's language.
        readNarration() {
            const el = this.el;
            const list = el.querySelector(":scope > ol");
            this.narration = list ? Array.from(list.children).map(function (li) { return li.innerHTML; }) : [];
            this.intro = [];
            for (const child of Array.from(el.children)) {
                if (child !== list && child.tagName !== "NOSCRIPT") {
                    this.intro.push(child.outerHTML);
                }
            }
            el.textContent = "";
        }

        build() {
            const el = this.el;
            el.classList.add("sts-pg-live");
            el.setAttribute("lang", LANG);
            // A landmark a screen reader lists and jumps to, named like the panel's title.
            el.setAttribute("role", "region");
            el.setAttribute("aria-label", t("title"));
            // The panel's sections are headings one level under the chapter's heading before
            // the panel (the markup says h4; a screen reader hears the level that fits).
            let level = 2;
            for (let n = el.previousElementSibling; n; n = n.previousElementSibling) {
                const m = /^H([1-6])$/.exec(n.tagName);
                if (m) {
                    level = Number(m[1]);
                    break;
                }
            }
            const h4 = "<h4 aria-level=\"" + Math.min(6, level + 1) + "\">";
            const speedOptions = SPEEDS.map((s) => "<option value=\"" + s + "\"" + (s === this.speed ? " selected" : "") + ">" + s + "×</option>").join("");
            el.innerHTML =
                "<div class=\"sts-pg-head\">" +
                "<strong class=\"sts-pg-title\">" + esc(t("title")) + "</strong>" +
                "<span class=\"sts-pg-clock\" data-pg=\"clock\" aria-live=\"off\">" + esc(t("time")) + " 0.0" + esc(t("unitSeconds")) + "</span>" +
                "<span class=\"sts-pg-timectl\">" +
                "<button type=\"button\" data-pg-do=\"play\" data-pg=\"play\">" + esc(t("play")) + "</button>" +
                "<button type=\"button\" data-pg-do=\"stepTime\" title=\"" + esc(t("stepTitle")) + "\">" + esc(t("step")) + "</button>" +
                "<label>" + esc(t("speed")) + " <select data-pg=\"speed\">" + speedOptions + "</select></label>" +
                "</span></div>" +
                "<div class=\"sts-pg-status\" data-pg=\"status\" role=\"status\">" + esc(t("loading")) + "</div>" +
                // What each action did, said once by a screen reader (the log below is redrawn
                // whole, and would be read whole).
                "<div class=\"sb-visually-hidden\" data-pg=\"announce\" role=\"status\" aria-live=\"polite\"></div>" +
                this.intro.join("") +
                (this.narration.length ? "<section class=\"sts-pg-guide\" data-pg=\"guide\"></section>" : "") +
                "<section>" + h4 + esc(t("nodes")) + "</h4><div data-pg=\"nodes\"></div></section>" +
                "<section>" + h4 + esc(t("statefulSets")) + "</h4><div data-pg=\"sts\"></div></section>" +
                "<section>" + h4 + esc(t("pods")) + "</h4><div class=\"sts-pg-scroll\" data-pg=\"pods\"></div></section>" +
                "<section>" + h4 + esc(t("claims")) + "</h4><div class=\"sts-pg-scroll\" data-pg=\"claims\"></div></section>" +
                "<section>" + h4 + esc(t("dns")) + "</h4><div class=\"sts-pg-scroll\" data-pg=\"dns\"></div></section>" +
                "<section>" + h4 + esc(t("events")) + "</h4><div class=\"sts-pg-scroll\" data-pg=\"events\"></div></section>" +
                "<details class=\"sts-pg-actions\" open><summary>" + esc(t("actions")) + "</summary><div data-pg=\"actions\"></div></details>" +
                "<details class=\"sts-pg-editor\"><summary>" + esc(t("manifest")) + "</summary>" +
                "<textarea data-pg=\"yaml\" spellcheck=\"false\" rows=\"14\" lang=\"en\" aria-label=\"" + esc(t("manifest")) + "\"></textarea>" +
                "<div class=\"sts-pg-row\"><button type=\"button\" data-pg-do=\"apply\">" + esc(t("apply")) + "</button>" +
                "<code class=\"sts-pg-cmd\" data-pg=\"applyCmd\"></code></div>" +
                "<div class=\"sts-pg-error\" data-pg=\"applyResult\" role=\"alert\" hidden></div></details>" +
                "<section>" + h4 + esc(t("log")) + "</h4><pre class=\"sts-pg-log\" data-pg=\"log\"></pre></section>";
            this.$ = {};
            for (const node of el.querySelectorAll("[data-pg]")) {
                this.$[node.dataset.pg] = node;
            }
            this.$.applyCmd.textContent = "kubectl apply -f " + this.manifestName();
            el.addEventListener("click", (e) => this.onClick(e));
            el.addEventListener("input", (e) => this.onInput(e));
            // Enter in an action's field presses the action's button, as in a form.
            el.addEventListener("keydown", (e) => {
                const d = e.target.dataset || {};
                if (e.key === "Enter" && d.pgIn && e.target.tagName === "INPUT") {
                    const b = e.target.closest(".sts-pg-row") && e.target.closest(".sts-pg-row").querySelector("button[data-pg-do]");
                    if (b) {
                        e.preventDefault();
                        b.click();
                    }
                }
            });
            this.$.speed.addEventListener("change", () => { this.speed = Number(this.$.speed.value) || 1; });
            if (window.StsBook) {
                window.StsBook.markLanguage(el);
            }
        }

        manifestName() {
            return this.manifestFiles.length === 1 ? this.manifestFiles[0].split("/").pop() : "manifest.yaml";
        }

        // Loads the core and the manifest; resolves when the panel answers.
        start() {
            const manifests = Promise.all(this.manifestFiles.map(fetchManifest)).then((texts) => {
                this.$.yaml.value = texts.map(function (s) { return s.replace(/\s+$/, "") + "\n"; }).join("---\n");
            });
            const core = compile().then((module) => {
                this.core = new Core(module);
            });
            return Promise.all([core, manifests]).then(() => {
                if (this.scenarioId && !this.scenario) {
                    throw new Error(t("errNoScenario", { id: this.scenarioId }));
                }
                if (this.scenario && this.narration.length !== this.scenario.steps.length) {
                    throw new Error(t("errNarration", { id: this.scenarioId, steps: this.scenario.steps.length, items: this.narration.length }));
                }
                this.$.status.textContent = "";
                this.$.status.hidden = true;
                this.el.dataset.ready = "true";
                this.refresh();
                this.renderGuide();
                setInterval(() => this.tick(), TICK_MS);
            }).catch((e) => {
                this.el.dataset.ready = "error";
                this.$.status.hidden = false;
                this.$.status.classList.add("sts-pg-error");
                this.$.status.textContent = String(e && e.message || e);
                throw e;
            });
        }

        call(request) {
            if (!this.core) {
                return { ok: false, error: t("loading") };
            }
            return this.core.call(request);
        }

        // Runs one request, logs it with its kubectl command, and redraws the panel.
        act(request, command) {
            const answer = this.call(request);
            // Remembered so that a pod's row offers the opposite readiness, and a node's the
            // opposite of what the reader did.
            if (answer.ok) {
                if (request.op === "setReady") {
                    this.lastReady[request.pod] = request.ready;
                } else if (request.op === "reset") {
                    this.lastReady = {};
                    this.failed = {};
                } else if (request.op === "failNode") {
                    this.failed[request.name] = true;
                } else if (request.op === "recoverNode") {
                    delete this.failed[request.name];
                }
            }
            if (command) {
                let line = "$ " + command + "\n";
                if (answer.ok && answer.results) {
                    line += answer.results.join("\n") + "\n";
                } else if (!answer.ok) {
                    line += answer.error + "\n";
                }
                this.log.push(line);
                if (this.log.length > 40) {
                    this.log.shift();
                }
                this.$.log.textContent = this.log.join("");
                this.$.log.scrollTop = this.$.log.scrollHeight;
                if (window.StsBook) {
                    window.StsBook.markLanguage(this.$.log);
                }
                this.announce(t("announceDone", { command: command }) + " " +
                    (answer.ok ? (answer.results || []).slice(0, 3).join(". ") : answer.error));
            }
            this.refresh();
            return answer;
        }

        // Says `text` through the panel's live region; the same words twice are said twice.
        announce(text) {
            const box = this.$.announce;
            box.textContent = "";
            clearTimeout(this.announced);
            this.announced = setTimeout(function () {
                box.textContent = text;
                if (window.StsBook) {
                    window.StsBook.markLanguage(box);
                }
            }, 50);
        }

        makeApi() {
            const p = this;
            const wrap = function (f) {
                return function () {
                    const args = arguments;
                    return p.ready.then(function () { return f.apply(null, args); });
                };
            };
            const api = {
                apply: wrap(function (yaml) { return p.act({ op: "apply", yaml: String(yaml) }, "kubectl apply -f " + p.manifestName()); }),
                scale: wrap(function (name, replicas) {
                    return p.act({ op: "scale", name: name, replicas: Number(replicas) }, "kubectl scale statefulset " + name + " --replicas=" + Number(replicas));
                }),
                deletePod: wrap(function (name) { return p.act({ op: "deletePod", name: name }, "kubectl delete pod " + name); }),
                setReady: wrap(function (pod, ready) {
                    return p.act({ op: "setReady", pod: pod, ready: !!ready }, p.readinessCommand(pod, !!ready));
                }),
                setImage: wrap(function (name, image) {
                    return p.act({ op: "setImage", name: name, image: image }, "kubectl set image statefulset/" + name + " " + p.containerOf(name) + "=" + image);
                }),
                patch: wrap(function (kind, name, patch, type) {
                    type = type || "strategic";
                    const resource = kind === "StatefulSet" ? "statefulset" : String(kind).toLowerCase();
                    const flag = type === "strategic" ? "" : " --type=" + type;
                    return p.act({ op: "patch", kind: kind, name: name, type: type, patch: patch },
                        "kubectl patch " + resource + " " + name + flag + " -p " + shq(JSON.stringify(patch)));
                }),
                deleteStatefulSet: wrap(function (name, cascade) {
                    cascade = cascade === "orphan" ? "orphan" : "background";
                    return p.act({ op: "deleteStatefulSet", name: name, cascade: cascade },
                        "kubectl delete statefulset " + name + (cascade === "orphan" ? " --cascade=orphan" : ""));
                }),
                failNode: wrap(function (name) { return p.act({ op: "failNode", name: name }, "docker stop " + name); }),
                recoverNode: wrap(function (name) { return p.act({ op: "recoverNode", name: name }, "docker start " + name); }),
                advance: wrap(function (s) { return p.act({ op: "advance", seconds: Number(s) }); }),
                reset: wrap(function () {
                    p.step = 0;
                    p.log = [];
                    p.$.log.textContent = "";
                    const a = p.act({ op: "reset" });
                    p.renderGuide();
                    return a;
                }),
                state: wrap(function () { return p.call({ op: "state" }); }),
                dns: wrap(function (name, type) { return p.call({ op: "dns", name: name, type: type || "A" }); }),
                // Panel controls for scripted demos: play/pause time and the guided steps.
                play: wrap(function () { p.setPlaying(true); return { ok: true }; }),
                pause: wrap(function () { p.setPlaying(false); return { ok: true }; }),
                nextStep: wrap(function () { return p.doStep(); }),
            };
            this.ready = new Promise(function (resolve, reject) { p.resolveReady = resolve; p.rejectReady = reject; });
            api.ready = this.ready;
            return api;
        }

        // The first container of a StatefulSet (what `kubectl set image` names).
        containerOf(name) {
            const s = this.find("StatefulSet", name);
            const cs = s && s.spec && s.spec.template && s.spec.template.spec && s.spec.template.spec.containers;
            return cs && cs[0] ? cs[0].name : "nginx";
        }

        readinessCommand(pod, ready) {
            const p = this.find("Pod", pod);
            const c = p && p.spec && p.spec.containers && p.spec.containers[0];
            const probe = c && c.readinessProbe;
            if (probe && probe.httpGet && (probe.httpGet.path || "/") === "/") {
                return ready
                    ? "kubectl exec " + pod + " -- sh -c 'echo " + pod + " > /usr/share/nginx/html/index.html'"
                    : "kubectl exec " + pod + " -- rm /usr/share/nginx/html/index.html";
            }
            return "# " + (ready ? t("probePassesNoCmd", { pod: pod }) : t("probeFailsNoCmd", { pod: pod }));
        }

        find(kind, name) {
            for (const o of this.state.objects) {
                if (o.kind === kind && o.metadata && o.metadata.name === name) {
                    return o;
                }
            }
            return null;
        }

        firstPod(prefix) {
            const pods = byKind(this.state.objects, "Pod").filter(function (p) {
                return p.metadata.name.indexOf(prefix + "-") === 0 && !p.metadata.deletionTimestamp;
            }).sort(ordinalSort);
            return pods.length ? pods[0].metadata.name : prefix;
        }

        nodeOf(pod) {
            const p = this.find("Pod", pod);
            return (p && p.spec && p.spec.nodeName) || "kind-worker";
        }

        failedNode() {
            for (const n of byKind(this.state.objects, "Node")) {
                if (this.failed[n.metadata.name]) {
                    return n.metadata.name;
                }
            }
            return "kind-worker";
        }

        // `kubectl apply -f a.yaml -f b.yaml`: the files as one multi-document request.
        applyFile() {
            const paths = Array.from(arguments);
            return Promise.all(paths.map(fetchManifest)).then((texts) => {
                const yaml = texts.map(function (s) { return s.replace(/\s+$/, "") + "\n"; }).join("---\n");
                const files = paths.map(function (p) { return "-f " + p.split("/").pop(); }).join(" ");
                return this.act({ op: "apply", yaml: yaml }, "kubectl apply " + files);
            });
        }

        setPlaying(on) {
            this.playing = on;
            this.$.play.textContent = on ? t("pause") : t("play");
            this.$.play.setAttribute("aria-pressed", on ? "true" : "false");
        }

        tick() {
            if (this.playing && this.core && !this.core.broken) {
                this.call({ op: "advance", seconds: this.speed * TICK_MS / 1000 });
                this.refresh();
            }
        }

        doStep() {
            if (!this.scenario || this.step >= this.scenario.steps.length) {
                return Promise.resolve({ ok: false, error: t("noMoreSteps") });
            }
            // A second click while a step fetches its manifest does not run the next one.
            if (this.stepping) {
                return this.stepping;
            }
            const i = this.step;
            this.step += 1;
            this.stepping = Promise.resolve(this.scenario.steps[i](this)).then((answer) => {
                this.stepping = null;
                this.setPlaying(true);
                this.renderGuide();
                return answer;
            }, (e) => {
                this.stepping = null;
                throw e;
            });
            return this.stepping;
        }

        renderGuide() {
            const g = this.$.guide;
            if (!g) {
                return;
            }
            const n = this.narration.length;
            const i = this.step;
            let html = "<div class=\"sts-pg-guide-head\"><strong>" + esc(t("guided")) + "</strong> <span data-pg-step>" +
                esc(t("stepOf", { i: Math.min(i + 1, n), n: n })) + "</span></div>";
            if (i > 0) {
                html += "<div class=\"sts-pg-done\"><span class=\"sts-pg-label\">" + esc(t("justDone")) + "</span> " + this.narration[i - 1] + "</div>";
            }
            if (i < n) {
                html += "<div class=\"sts-pg-next\" data-pg-narration>" + this.narration[i] + "</div>" +
                    "<button type=\"button\" class=\"sts-pg-primary\" data-pg-do=\"nextStep\">" + esc(t("doStep")) + "</button> ";
            } else {
                html += "<p class=\"sts-pg-free\">" + esc(t("freePlay")) + "</p>";
            }
            html += "<button type=\"button\" data-pg-do=\"restart\">" + esc(t("restart")) + "</button>";
            // The reader who pressed "Do this step" with the keyboard stays on it (or on "Start
            // over" once the steps are done): redrawing must not drop focus to the page.
            const had = g.contains(document.activeElement) ? document.activeElement.dataset.pgDo : null;
            g.innerHTML = html;
            if (window.StsBook) {
                window.StsBook.markLanguage(g);
            }
            if (had) {
                const again = g.querySelector("[data-pg-do=\"" + had + "\"]") || g.querySelector("[data-pg-do=\"restart\"]");
                again.focus();
            }
        }

        onInput(e) {
            const d = e.target.dataset || {};
            if (d.pgIn) {
                this.updateCommands();
            }
        }

        onClick(e) {
            const b = e.target.closest("[data-pg-do]");
            if (!b || !this.el.contains(b)) {
                return;
            }
            const what = b.dataset.pgDo;
            const arg = b.dataset.pgArg;
            const api = this.api;
            const val = (name) => {
                const i = this.el.querySelector("[data-pg-in=\"" + name + "\"]");
                return i ? i.value : "";
            };
            const sts = this.selected;
            switch (what) {
                case "play": this.setPlaying(!this.playing); break;
                case "stepTime": api.advance(1); break;
                case "nextStep": this.doStep(); break;
                case "restart": api.reset().then(() => { this.setPlaying(false); }); break;
                case "apply": this.applyEditor(); break;
                case "scale": if (sts) { api.scale(sts, Number(val("replicas"))); } break;
                case "deletePod": api.deletePod(arg); break;
                case "ready": api.setReady(arg, b.dataset.pgReady === "true"); break;
                case "image": if (sts) { api.setImage(sts, val("image")); } break;
                case "partition":
                    if (sts) { api.patch("StatefulSet", sts, { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: Number(val("partition")) } } } }, "strategic"); }
                    break;
                case "onDelete":
                    if (sts) { api.patch("StatefulSet", sts, { spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } } }, "strategic"); }
                    break;
                case "retention":
                    if (sts) { api.patch("StatefulSet", sts, { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: val("whenDeleted"), whenScaled: val("whenScaled") } } }, "strategic"); }
                    break;
                case "deleteSts": if (sts) { api.deleteStatefulSet(sts, val("cascade")); } break;
                case "failNode": api.failNode(arg); break;
                case "recoverNode": api.recoverNode(arg); break;
                case "select": this.selected = arg; this.last.actions = null; this.render(); break;
            }
        }

        applyEditor() {
            const box = this.$.applyResult;
            this.api.apply(this.$.yaml.value).then(function (a) {
                box.hidden = false;
                box.classList.toggle("sts-pg-error", !a.ok);
                box.textContent = a.ok ? (a.results || []).join("\n") : a.error;
            });
        }

        refresh() {
            const s = this.call({ op: "state" });
            if (s && s.ok !== false) {
                this.state = { time: s.time || 0, objects: s.objects || [], events: s.events || [] };
            } else if (s && s.error) {
                this.$.status.hidden = false;
                this.$.status.classList.add("sts-pg-error");
                this.$.status.textContent = s.error;
            }
            this.render();
        }

        // Writes a part of the panel only when its HTML changed: buttons under the reader's
        // pointer stay the same elements while time runs.
        put(part, html) {
            if (this.last[part] !== html) {
                this.last[part] = html;
                const box = this.$[part];
                // The control under the keyboard's focus is drawn anew: focus goes to the same
                // control (same action, same object), else to the one now at its place, else to
                // the part itself, never back to the page's start. A field keeps what was typed.
                const active = box.contains(document.activeElement) ? document.activeElement : null;
                const stops = () => Array.from(box.querySelectorAll("button, input, select"));
                const at = active ? stops().indexOf(active) : -1;
                box.innerHTML = html;
                if (active) {
                    const d = active.dataset;
                    const same = stops().find(function (x) {
                        return (d.pgIn && x.dataset.pgIn === d.pgIn) || (d.pgDo && x.dataset.pgDo === d.pgDo && x.dataset.pgArg === d.pgArg);
                    }) || stops().find(function (x) { return d.pgArg && x.dataset.pgArg === d.pgArg; });
                    const next = same || stops()[Math.min(at, stops().length - 1)];
                    if (next) {
                        if (d.pgIn && next.dataset.pgIn === d.pgIn) {
                            next.value = active.value;
                        }
                        next.focus();
                    } else {
                        box.tabIndex = -1;
                        box.focus();
                    }
                }
                if (window.StsBook) {
                    window.StsBook.markLanguage(box);
                }
                // Each cell knows its column's name: a phone shows the rows as cards.
                for (const table of this.$[part].querySelectorAll("table")) {
                    const heads = Array.from(table.querySelectorAll("thead th")).map(function (th) { return th.textContent; });
                    for (const tr of table.querySelectorAll("tbody tr")) {
                        Array.from(tr.children).forEach(function (td, i) {
                            if (heads[i]) {
                                td.setAttribute("data-label", heads[i]);
                            }
                        });
                    }
                }
            }
        }

        render() {
            const st = this.state;
            const objs = st.objects;
            this.$.clock.textContent = t("time") + " " + fmtTime(st.time);
            const sets = byKind(objs, "StatefulSet");
            if (!this.selected || !sets.some((s) => s.metadata.name === this.selected)) {
                this.selected = sets.length ? sets[sets.length - 1].metadata.name : null;
            }
            this.put("nodes", this.renderNodes(byKind(objs, "Node")));
            this.put("sts", this.renderSets(sets));
            this.put("pods", this.renderPods(byKind(objs, "Pod").sort(ordinalSort)));
            this.put("claims", this.renderClaims(byKind(objs, "PersistentVolumeClaim").sort(ordinalSort), byKind(objs, "PersistentVolume")));
            this.put("dns", this.renderDns(byKind(objs, "Service"), sets));
            this.put("events", this.renderEvents(st.events || []));
            this.put("actions", this.renderActions(sets));
            this.updateCommands();
        }

        renderNodes(nodes) {
            if (!nodes.length) {
                return "<p class=\"sts-pg-empty\">" + esc(t("none")) + "</p>";
            }
            return "<ul class=\"sts-pg-nodes\">" + nodes.map((n) => {
                const name = n.metadata.name;
                const ready = cond(n, "Ready");
                const cp = n.metadata.labels && "node-role.kubernetes.io/control-plane" in n.metadata.labels;
                const state = ready === "True" ? "Ready" : "NotReady";
                const btn = cp ? "" : this.failed[name]
                    ? "<button type=\"button\" data-pg-do=\"recoverNode\" data-pg-arg=\"" + esc(name) + "\" title=\"docker start " + esc(name) + "\" aria-label=\"" + esc(t("recoverNodeNamed", { node: name })) + "\">" + esc(t("recoverNode")) + "</button>"
                    : "<button type=\"button\" data-pg-do=\"failNode\" data-pg-arg=\"" + esc(name) + "\" title=\"docker stop " + esc(name) + "\" aria-label=\"" + esc(t("failNodeNamed", { node: name })) + "\">" + esc(t("failNode")) + "</button>";
                return "<li data-node=\"" + esc(name) + "\"><code>" + esc(name) + "</code> <span class=\"sts-pg-badge sts-pg-" + (ready === "True" ? "ok" : "bad") + "\">" +
                    esc(state) + "</span>" + (cp ? " <span class=\"sts-pg-muted\">control-plane</span>" : "") + " " + btn + "</li>";
            }).join("") + "</ul>";
        }

        renderSets(sets) {
            if (!sets.length) {
                return "<p class=\"sts-pg-empty\">" + esc(t("noSets")) + "</p>";
            }
            return sets.map((s) => {
                const sp = s.spec || {}, stt = s.status || {};
                const strategy = (sp.updateStrategy && sp.updateStrategy.type) || "RollingUpdate";
                const partition = sp.updateStrategy && sp.updateStrategy.rollingUpdate ? sp.updateStrategy.rollingUpdate.partition || 0 : null;
                const ret = sp.persistentVolumeClaimRetentionPolicy || {};
                const rows = [
                    ["spec.replicas", sp.replicas],
                    ["podManagementPolicy", sp.podManagementPolicy || "OrderedReady"],
                    ["updateStrategy", strategy + (partition !== null && strategy === "RollingUpdate" ? " (partition " + partition + ")" : "")],
                    ["persistentVolumeClaimRetentionPolicy", "whenDeleted: " + (ret.whenDeleted || "Retain") + ", whenScaled: " + (ret.whenScaled || "Retain")],
                    ["status.replicas", stt.replicas || 0],
                    ["status.readyReplicas", stt.readyReplicas || 0],
                    ["status.availableReplicas", stt.availableReplicas || 0],
                    ["status.currentReplicas", stt.currentReplicas || 0],
                    ["status.updatedReplicas", stt.updatedReplicas || 0],
                    ["status.currentRevision", stt.currentRevision || ""],
                    ["status.updateRevision", stt.updateRevision || ""],
                    ["status.observedGeneration", stt.observedGeneration || 0],
                ];
                const name = s.metadata.name;
                const head = sets.length > 1
                    ? "<button type=\"button\" class=\"sts-pg-pick" + (name === this.selected ? " sts-pg-picked" : "") + "\" data-pg-do=\"select\" data-pg-arg=\"" + esc(name) + "\" aria-pressed=\"" + (name === this.selected) + "\">" + esc(name) + "</button>"
                    : "<code>" + esc(name) + "</code>";
                return "<div class=\"sts-pg-set\" data-sts=\"" + esc(name) + "\">" + head + "<dl class=\"sts-pg-fields\">" +
                    rows.map(function (r) { return "<div><dt>" + esc(r[0]) + "</dt><dd data-field=\"" + esc(r[0]) + "\">" + esc(r[1]) + "</dd></div>"; }).join("") + "</dl></div>";
            }).join("");
        }

        renderPods(pods) {
            if (!pods.length) {
                return "<p class=\"sts-pg-empty\">" + esc(t("noPods")) + "</p>";
            }
            const head = ["col_name", "col_phase", "col_ready", "col_terminating", "col_ip", "col_node", "col_revision", ""].map(function (k) {
                return "<th>" + (k ? esc(t(k)) : "") + "</th>";
            }).join("");
            return "<table class=\"sts-pg-table\"><thead><tr>" + head + "</tr></thead><tbody>" + pods.map((p) => {
                const name = p.metadata.name;
                const st = p.status || {};
                const ready = cond(p, "Ready") === "True";
                const term = !!p.metadata.deletionTimestamp;
                const reason = podReason(p);
                const phase = esc(st.phase || "Pending") + (reason && reason !== "Terminating" ? " <small class=\"sts-pg-muted\">" + esc(reason) + "</small>" : "");
                // The revision's hash: the label is "<set>-<hash>", and the set is in the name.
                const rev = ((p.metadata.labels && p.metadata.labels["controller-revision-hash"]) || "").replace(name.replace(/-\d+$/, "") + "-", "");
                const actions = term ? "" :
                    "<button type=\"button\" data-pg-do=\"deletePod\" data-pg-arg=\"" + esc(name) + "\" title=\"kubectl delete pod " + esc(name) + "\" aria-label=\"" + esc(t("deletePodNamed", { pod: name })) + "\">" + esc(t("deletePod")) + "</button> " +
                    "<button type=\"button\" data-pg-do=\"ready\" data-pg-arg=\"" + esc(name) + "\" data-pg-ready=\"" + (this.probeFailing(name) ? "true" : "false") + "\" aria-label=\"" +
                    esc(this.probeFailing(name) ? t("probePassNamed", { pod: name }) : t("probeFailNamed", { pod: name })) + "\">" +
                    esc(this.probeFailing(name) ? t("probePass") : t("probeFail")) + "</button>";
                return "<tr data-pod=\"" + esc(name) + "\" class=\"" + (term ? "sts-pg-terminating" : "") + "\">" +
                    "<td><code>" + esc(name) + "</code></td><td data-col=\"phase\">" + phase + "</td>" +
                    "<td data-col=\"ready\">" + (ready ? "<span class=\"sts-pg-badge sts-pg-ok\">True</span>" : "<span class=\"sts-pg-badge sts-pg-bad\">False</span>") + "</td>" +
                    "<td data-col=\"terminating\">" + (term ? "<span class=\"sts-pg-badge sts-pg-warn\">" + esc(t("yes")) + "</span>" : "") + "</td>" +
                    "<td data-col=\"ip\"><code>" + esc(st.podIP || "") + "</code></td><td data-col=\"node\">" + esc((p.spec && p.spec.nodeName) || "") + "</td>" +
                    "<td data-col=\"revision\"><code>" + esc(rev) + "</code></td><td class=\"sts-pg-rowbtn\">" + actions + "</td></tr>";
            }).join("") + "</tbody></table>";
        }

        // The reader made this pod's probe fail (and has not made it pass again).
        probeFailing(pod) {
            return this.lastReady[pod] === false;
        }

        renderClaims(claims, volumes) {
            if (!claims.length) {
                return "<p class=\"sts-pg-empty\">" + esc(t("noClaims")) + "</p>";
            }
            const pvs = {};
            for (const v of volumes) {
                pvs[v.metadata.name] = v;
            }
            const head = ["col_claim", "col_status", "col_volume", "col_node", "col_reclaim"].map(function (k) { return "<th>" + esc(t(k)) + "</th>"; }).join("");
            return "<table class=\"sts-pg-table\"><thead><tr>" + head + "</tr></thead><tbody>" + claims.map(function (c) {
                const vol = (c.spec && c.spec.volumeName) || "";
                const pv = pvs[vol];
                let node = (c.metadata.annotations && c.metadata.annotations["volume.kubernetes.io/selected-node"]) || "";
                const terms = pv && pv.spec && pv.spec.nodeAffinity && pv.spec.nodeAffinity.required && pv.spec.nodeAffinity.required.nodeSelectorTerms;
                if (terms) {
                    for (const term of terms) {
                        for (const e of term.matchExpressions || []) {
                            if (e.key === "kubernetes.io/hostname" && e.values && e.values.length) {
                                node = e.values[0];
                            }
                        }
                    }
                }
                const term = c.metadata.deletionTimestamp ? " (Terminating)" : "";
                return "<tr data-claim=\"" + esc(c.metadata.name) + "\"><td><code>" + esc(c.metadata.name) + "</code></td><td>" +
                    esc(((c.status && c.status.phase) || "Pending") + term) + "</td><td><code>" + esc(vol) + "</code></td><td>" + esc(node) + "</td><td>" +
                    esc(pv && pv.spec ? pv.spec.persistentVolumeReclaimPolicy || "" : "") + "</td></tr>";
            }).join("") + "</tbody></table>";
        }

        renderDns(services, sets) {
            const headless = services.filter(function (s) { return s.spec && s.spec.clusterIP === "None"; });
            if (!headless.length) {
                return "<p class=\"sts-pg-empty\">" + esc(t("noHeadless")) + "</p>";
            }
            const rows = [];
            for (const svc of headless) {
                const name = svc.metadata.name;
                const fqdn = name + "." + NS + "." + DOMAIN;
                rows.push(this.dnsRow(fqdn, "A"));
                rows.push(this.dnsRow(fqdn, "SRV"));
                for (const s of sets) {
                    if (s.spec && s.spec.serviceName === name) {
                        const start = (s.spec.ordinals && s.spec.ordinals.start) || 0;
                        const n = Math.max(s.spec.replicas || 0, (s.status && s.status.replicas) || 0);
                        for (let i = start; i < start + n && i < start + 8; i++) {
                            rows.push(this.dnsRow(s.metadata.name + "-" + i + "." + fqdn, "A"));
                        }
                    }
                }
            }
            return "<table class=\"sts-pg-table sts-pg-dns\"><thead><tr><th>" + esc(t("col_query")) + "</th><th>" + esc(t("col_type")) + "</th><th>" +
                esc(t("col_answer")) + "</th></tr></thead><tbody>" + rows.join("") + "</tbody></table>" +
                "<p class=\"sts-pg-muted\">" + esc(t("dnsHint")) + " <code>kubectl exec dns -- nslookup -type=srv " + esc(headless[0].metadata.name + "." + NS + "." + DOMAIN) + "</code></p>";
        }

        dnsRow(name, type) {
            const a = this.call({ op: "dns", name: name, type: type });
            let answer;
            if (a.ok) {
                const list = (a.answers || []).map(function (r) {
                    return typeof r === "string" ? r : [r.priority, r.weight, r.port, r.target].join(" ");
                });
                answer = list.length ? list.map(esc).join("<br>") : "<span class=\"sts-pg-muted\">" + esc(t("noAnswer")) + "</span>";
            } else {
                // nslookup's "** server can't find …: NXDOMAIN": the name has no records.
                const err = a.error || "NXDOMAIN";
                answer = "<span class=\"sts-pg-bad-text\" title=\"" + esc(err) + "\">" + esc(/NXDOMAIN/.test(err) ? "NXDOMAIN" : err) + "</span>";
            }
            return "<tr data-dns=\"" + esc(type + " " + name) + "\"><td><code>" + esc(name) + "</code></td><td>" + type + "</td><td><code>" + answer + "</code></td></tr>";
        }

        renderEvents(events) {
            if (!events.length) {
                return "<p class=\"sts-pg-empty\">" + esc(t("noEvents")) + "</p>";
            }
            const now = this.state.time;
            // Oldest first by LAST SEEN, as `kubectl events` lists them: an event seen again
            // (count > 1) moves down to its last occurrence.
            const last = function (e) { return seconds(e.lastTimestamp || e.eventTime || (e.metadata && e.metadata.creationTimestamp)) || 0; };
            const shown = events.map(function (e, i) { return [last(e), i, e]; })
                .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
                .map(function (x) { return x[2]; })
                .slice(-14);
            const head = ["col_lastSeen", "col_type", "col_reason", "col_object", "col_message"].map(function (k) { return "<th>" + esc(t(k)) + "</th>"; }).join("");
            const start = this.epoch();
            return "<table class=\"sts-pg-table sts-pg-events\"><thead><tr>" + head + "</tr></thead><tbody>" + shown.map(function (e) {
                const last = seconds(e.lastTimestamp || e.eventTime || (e.metadata && e.metadata.creationTimestamp));
                const ago = last === null ? "" : Math.max(0, Math.round(now - (last - start))) + "s";
                const obj = e.involvedObject || e.regarding || {};
                const count = e.count && e.count > 1 ? " (x" + e.count + ")" : "";
                return "<tr><td>" + esc(ago) + "</td><td>" + esc(e.type || "Normal") + "</td><td>" + esc(e.reason || "") + "</td><td><code>" +
                    esc(String(obj.kind || "").toLowerCase() + "/" + (obj.name || "")) + "</code></td><td>" + esc((e.message || e.note || "") + count) + "</td></tr>";
            }).join("") + "</tbody></table>";
        }

        // The wall-clock timestamp of simulated second 0: the namespace `default` is made when
        // the cluster starts.
        epoch() {
            if (this.epochSeconds === undefined) {
                for (const o of this.state.objects) {
                    if (o.kind === "Namespace" && o.metadata.name === NS) {
                        this.epochSeconds = seconds(o.metadata.creationTimestamp);
                    }
                }
            }
            return this.epochSeconds || 0;
        }

        renderActions(sets) {
            const sts = this.selected;
            if (!sts) {
                return "<p class=\"sts-pg-empty\">" + esc(t("noSetsActions")) + "</p>";
            }
            const s = sets.find(function (x) { return x.metadata.name === sts; }) || {};
            const sp = s.spec || {};
            const ret = sp.persistentVolumeClaimRetentionPolicy || {};
            const image = sp.template && sp.template.spec && sp.template.spec.containers && sp.template.spec.containers[0] ? sp.template.spec.containers[0].image : "";
            const partition = sp.updateStrategy && sp.updateStrategy.rollingUpdate ? sp.updateStrategy.rollingUpdate.partition || 0 : 0;
            const sel = function (name, value, options, label) {
                return "<select data-pg-in=\"" + name + "\" aria-label=\"" + esc(label || name) + "\">" + options.map(function (o) {
                    return "<option" + (o === value ? " selected" : "") + ">" + o + "</option>";
                }).join("") + "</select>";
            };
            const row = function (label, inputs, button, key) {
                return "<div class=\"sts-pg-row\" data-action=\"" + key + "\"><span class=\"sts-pg-label\">" + esc(label) + "</span>" + inputs +
                    "<button type=\"button\" data-pg-do=\"" + key + "\">" + esc(button) + "</button><code class=\"sts-pg-cmd\" data-pg-cmd=\"" + key + "\"></code></div>";
            };
            return "<p class=\"sts-pg-muted\">" + esc(t("actingOn", { name: sts })) + "</p>" +
                row(t("scaleTo"), "<input type=\"number\" min=\"0\" max=\"50\" data-pg-in=\"replicas\" aria-label=\"" + esc(t("scaleTo")) + "\" value=\"" + esc(sp.replicas || 0) + "\">", t("scale"), "scale") +
                row(t("image"), "<input type=\"text\" data-pg-in=\"image\" aria-label=\"" + esc(t("image")) + "\" value=\"" + esc(image) + "\" size=\"22\">", t("setImage"), "image") +
                row(t("partition"), "<input type=\"number\" min=\"0\" max=\"50\" data-pg-in=\"partition\" aria-label=\"" + esc(t("partition")) + "\" value=\"" + esc(partition) + "\">", t("setPartition"), "partition") +
                row(t("onDeleteLabel"), "", t("onDelete"), "onDelete") +
                row(t("retention"), "whenDeleted " + sel("whenDeleted", ret.whenDeleted || "Retain", ["Retain", "Delete"]) +
                    " whenScaled " + sel("whenScaled", ret.whenScaled || "Retain", ["Retain", "Delete"]), t("setRetention"), "retention") +
                row(t("deleteSts"), sel("cascade", "background", ["background", "orphan"], t("cascade")), t("delete"), "deleteSts");
        }

        // The kubectl command next to each action, as its inputs read now.
        updateCommands() {
            const sts = this.selected;
            if (!sts) {
                return;
            }
            const val = (name) => {
                const i = this.el.querySelector("[data-pg-in=\"" + name + "\"]");
                return i ? i.value : "";
            };
            const cmds = {
                scale: "kubectl scale statefulset " + sts + " --replicas=" + val("replicas"),
                image: "kubectl set image statefulset/" + sts + " " + this.containerOf(sts) + "=" + val("image"),
                partition: "kubectl patch statefulset " + sts + " -p " + shq(JSON.stringify({ spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: Number(val("partition")) } } } })),
                onDelete: "kubectl patch statefulset " + sts + " -p " + shq(JSON.stringify({ spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } } })),
                retention: "kubectl patch statefulset " + sts + " -p " + shq(JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: val("whenDeleted"), whenScaled: val("whenScaled") } } })),
                deleteSts: "kubectl delete statefulset " + sts + (val("cascade") === "orphan" ? " --cascade=orphan" : ""),
            };
            for (const code of this.el.querySelectorAll("[data-pg-cmd]")) {
                const c = cmds[code.dataset.pgCmd];
                if (c !== undefined && code.textContent !== c) {
                    code.textContent = c;
                }
            }
        }
    }

    function init() {
        // The whole book on one page is for printing: its panels stay the chapters' numbered
        // steps, without seven simulated clusters behind them.
        if (/\/print\.html$/.test(location.pathname)) {
            return;
        }
        for (const el of document.querySelectorAll("div.sts-playground")) {
            if (el.playground) {
                continue;
            }
            const panel = new Panel(el);
            panels.push(panel);
            panel.start().then(panel.resolveReady, function (e) {
                panel.rejectReady(e);
            });
            // A panel that failed to load still answers its API with the reason.
            panel.ready.catch(function () { });
        }
    }

    // Fetch and compile the core while the rest of the page loads.
    if (document.querySelector("div.sts-playground") && !/\/print\.html$/.test(location.pathname)) {
        compile().catch(function () { });
    }

    window.StsPlayground = { scenarios: SCENARIOS, labels: ALL_LABELS, missingLabels: MISSING, panels: panels, wasmUrl: WASM_URL };
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
