// The StatefulSet Book: language switcher, Pagefind search and Korean page chrome.
// Loaded on every page after mdBook's book.js (book.toml: output.html.additional-js).
(function () {
    "use strict";
    const html = document.documentElement;
    const lang = html.lang === "ko" ? "ko" : "en";
    const ko = lang === "ko";

    // Remember the language read last: the site's root page sends the reader back to it.
    try { localStorage.setItem("sb-lang", lang); } catch (e) { }

    // --- The switcher and the search button go into mdBook's menu bar. ---
    const switcher = document.querySelector(".sb-lang");
    const right = document.querySelector("#mdbook-menu-bar .right-buttons");
    if (switcher && right) {
        right.insertBefore(switcher, right.firstChild);
    }
    const toggle = document.getElementById("sb-search-toggle");
    const left = document.querySelector("#mdbook-menu-bar .left-buttons");
    if (toggle && left) {
        left.appendChild(toggle);
    }
    // Keep the reader's place: headings carry the same explicit ids in both languages.
    const twin = document.querySelector("a[data-sb-twin]");
    if (twin) {
        twin.addEventListener("click", function () {
            if (location.hash) {
                twin.href = twin.href.split("#")[0] + location.hash;
            }
            try { localStorage.setItem("sb-lang", twin.hreflang); } catch (e) { }
        });
    }

    // --- Pagefind search, in this page's language (each language has its own index). ---
    const dialog = document.getElementById("sb-search");
    let ui = null;
    let loading = null;

    function bundlePath() {
        // Absolute path of this language's index, e.g. "/ko/pagefind/".
        return new URL(path_to_root + "pagefind/", location.href).pathname;
    }

    function load() {
        if (loading) {
            return loading;
        }
        loading = new Promise(function (resolve, reject) {
            const css = document.createElement("link");
            css.rel = "stylesheet";
            css.href = bundlePath() + "pagefind-ui.css";
            document.head.appendChild(css);
            const script = document.createElement("script");
            script.src = bundlePath() + "pagefind-ui.js";
            script.onload = function () {
                // PagefindUI reads <html lang> for its own strings (Korean on Korean pages).
                // Pagefind says how many results it found only on screen: the same words in a
                // status region, once the typing has settled, for screen readers.
                const box = document.getElementById("sb-search-ui");
                const said = document.createElement("div");
                said.className = "sb-visually-hidden";
                said.setAttribute("role", "status");
                box.parentNode.insertBefore(said, box.nextSibling);
                // Results, their titles and excerpts, marked for language as the page's text is.
                markLanguageLive(box.parentNode);
                let settle = null;
                new MutationObserver(function () {
                    clearTimeout(settle);
                    settle = setTimeout(function () {
                        const m = box.querySelector(".pagefind-ui__message");
                        const text = m ? m.textContent.trim() : "";
                        if (said.textContent !== text) {
                            said.textContent = text;
                        }
                    }, 400);
                }).observe(box, { subtree: true, childList: true, characterData: true });
                ui = new PagefindUI({
                    element: "#sb-search-ui",
                    bundlePath: bundlePath(),
                    showSubResults: true,
                    showImages: false,
                    autofocus: false, // openSearch focuses the input itself
                    excerptLength: 24,
                });
                resolve(ui);
            };
            script.onerror = function () {
                const box = document.getElementById("sb-search-ui");
                box.textContent = ko
                    ? "검색 색인을 읽지 못했다. `cargo xtask serve`로 책을 열었는지 확인한다."
                    : "The search index could not be loaded. Open the book through `cargo xtask serve`.";
                reject(new Error("pagefind-ui.js failed to load"));
            };
            document.head.appendChild(script);
        });
        return loading;
    }

    function focusInput() {
        const input = dialog.querySelector("#sb-search-ui input");
        if (input) {
            input.focus();
            input.select();
        }
    }

    function openSearch(term) {
        if (!dialog) {
            return;
        }
        dialog.hidden = false;
        html.classList.add("sb-search-open");
        if (toggle) {
            toggle.setAttribute("aria-expanded", "true");
        }
        load().then(function (ui) {
            if (term) {
                ui.triggerSearch(term);
            }
            setTimeout(focusInput, 0);
        }, function () { });
        focusInput();
    }

    function closeSearch() {
        if (!dialog || dialog.hidden) {
            return;
        }
        dialog.hidden = true;
        html.classList.remove("sb-search-open");
        if (toggle) {
            toggle.setAttribute("aria-expanded", "false");
            toggle.focus();
        }
    }

    if (toggle) {
        toggle.addEventListener("click", function () {
            if (dialog.hidden) { openSearch(); } else { closeSearch(); }
        });
    }
    if (dialog) {
        // A click on the backdrop (outside the panel) closes the search.
        dialog.addEventListener("mousedown", function (e) {
            if (e.target === dialog) {
                closeSearch();
            }
        });
    }
    // A modal dialog keeps the keyboard inside it while it is open (WAI-ARIA's dialog pattern):
    // Tab from its last control goes to its first, Shift+Tab from the first to the last, and
    // focus that lands behind it (a click on the page) comes back to the search field.
    function dialogStops() {
        return Array.from(dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"))
            .filter(function (el) { return !el.disabled && el.getClientRects().length > 0; });
    }
    if (dialog) {
        dialog.addEventListener("keydown", function (e) {
            if (e.key !== "Tab" || dialog.hidden) {
                return;
            }
            const stops = dialogStops();
            if (stops.length === 0) {
                return;
            }
            const first = stops[0];
            const last = stops[stops.length - 1];
            if (e.shiftKey && document.activeElement === first) {
                e.preventDefault();
                last.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
                e.preventDefault();
                first.focus();
            }
        });
        document.addEventListener("focusin", function (e) {
            if (!dialog.hidden && !dialog.contains(e.target)) {
                focusInput();
            }
        });
        const close = dialog.querySelector(".sb-search-close");
        if (close) {
            close.addEventListener("click", closeSearch);
        }
    }
    // Single-key shortcuts (S and / for the search, mdBook's ? for its help) can be turned
    // off in the search dialog (WCAG 2.1.4): speech input and a stray key press then type
    // nothing into the page. The choice is kept for the whole site.
    const shortcutsBox = document.getElementById("sb-shortcuts");
    let shortcuts = true;
    try { shortcuts = localStorage.getItem("sb-shortcuts") !== "off"; } catch (e) { }
    function showShortcuts() {
        if (shortcutsBox) {
            shortcutsBox.checked = shortcuts;
        }
        if (toggle) {
            if (shortcuts) {
                toggle.setAttribute("aria-keyshortcuts", "s /");
            } else {
                toggle.removeAttribute("aria-keyshortcuts");
            }
        }
    }
    showShortcuts();
    if (shortcutsBox) {
        shortcutsBox.addEventListener("change", function () {
            shortcuts = shortcutsBox.checked;
            try { localStorage.setItem("sb-shortcuts", shortcuts ? "on" : "off"); } catch (e) { }
            showShortcuts();
        });
    }
    document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && dialog && !dialog.hidden) {
            e.preventDefault();
            e.stopPropagation();
            closeSearch();
            return;
        }
        if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) {
            return;
        }
        const target = e.composedPath()[0] || e.target;
        if (/^(?:input|select|textarea)$/i.test(target.nodeName) || target.isContentEditable) {
            return;
        }
        if (!shortcuts) {
            // mdBook's ? (its help) listens further along: it stops here.
            if (e.key === "?") {
                e.stopPropagation();
            }
            return;
        }
        if (e.key === "s" || e.key === "S" || e.key === "/" || e.key === "ㄴ") {
            e.preventDefault();
            openSearch();
        }
    }, true);

    // `?search=<words>` opens the search with those words (links to a search, screenshots).
    const asked = new URLSearchParams(location.search).get("search");
    if (asked) {
        openSearch(asked);
    }

    // --- Keyboard and screen readers: mdBook 0.5.4's own chrome. ---
    // The sidebar toggle is a <label> for a hidden checkbox, carrying aria-label and
    // aria-expanded, which a label may not have (axe: aria-prohibited-attr, aria-allowed-attr),
    // and no keyboard user can reach it. As a button it may carry them: focusable, and Enter
    // or Space press it as a click on the label does (the checkbox toggles the sidebar).
    const sidebarToggle = document.getElementById("mdbook-sidebar-toggle");
    if (sidebarToggle && sidebarToggle.tagName === "LABEL") {
        sidebarToggle.setAttribute("role", "button");
        sidebarToggle.tabIndex = 0;
        sidebarToggle.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                e.stopPropagation();
                sidebarToggle.click();
            }
        });
    }

    // A code block or a table wider than its box scrolls sideways: a keyboard user must be
    // able to focus it to scroll it (WCAG 2.1.1; axe: scrollable-region-focusable). Only the
    // ones that scroll become tab stops, checked again when the window changes size; a screen
    // reader hears what the region is ("YAML code", "Table").
    function codeName(code) {
        if (code.classList.contains("table-wrapper")) {
            return ko ? "표" : "Table";
        }
        const m = /(?:^|\s)language-([\w+-]+)/.exec(code.className);
        const known = { rust: "Rust", yaml: "YAML", yml: "YAML", json: "JSON", sh: "shell", bash: "shell", console: "shell", toml: "TOML", go: "Go", text: "", txt: "" };
        const name = m ? (m[1] in known ? known[m[1]] : m[1]) : "";
        return ko ? (name ? name + " 코드" : "코드") : (name ? name + " code" : "Code");
    }
    function markScrollingCode() {
        document.querySelectorAll("pre > code, .content .table-wrapper").forEach(function (code) {
            const scrolls = code.scrollWidth > code.clientWidth + 1 || code.scrollHeight > code.clientHeight + 1;
            // A table that holds a link or a button is reached through them already.
            if (scrolls && !code.hasAttribute("tabindex") && !code.querySelector("a[href], button, input, select, textarea")) {
                code.tabIndex = 0;
                code.setAttribute("role", "region");
                code.setAttribute("aria-label", codeName(code));
                code.dataset.sbScrolls = "";
            } else if (!scrolls && code.hasAttribute("data-sb-scrolls")) {
                code.removeAttribute("tabindex");
                code.removeAttribute("role");
                code.removeAttribute("aria-label");
                delete code.dataset.sbScrolls;
            }
        });
    }
    markScrollingCode();
    let resized = null;
    window.addEventListener("resize", function () {
        clearTimeout(resized);
        resized = setTimeout(markScrollingCode, 150);
    });
    // Fonts that load late change the widths.
    if (document.fonts && document.fonts.ready) {
        document.fonts.ready.then(markScrollingCode);
    }

    // mdBook writes the book's title in the menu bar as an <h1>: every page would have two
    // first-level headings, and a screen reader's list of headings would start with the book
    // instead of the chapter. The title stays as text.
    const menuTitle = document.querySelector("#mdbook-menu-bar h1.menu-title");
    if (menuTitle) {
        menuTitle.setAttribute("role", "presentation");
    }

    // --- The first tab stop: past the table of contents to the chapter. ---
    // mdBook puts the sidebar (a link per chapter) before the menu bar and the chapter: a
    // keyboard reader would tab through forty links on every page. The skip link moves focus to
    // the chapter's text, from where Tab goes on to its first link.
    const main = document.querySelector("#mdbook-content main");
    if (main && document.body) {
        if (!main.id) {
            main.id = "sb-main";
        }
        main.tabIndex = -1;
        const skip = document.createElement("a");
        skip.className = "sb-skip";
        skip.href = "#" + main.id;
        skip.textContent = ko ? "본문으로 건너뛰기" : "Skip to the chapter";
        skip.addEventListener("click", function (e) {
            e.preventDefault();
            main.focus();
        });
        document.body.insertBefore(skip, document.body.firstChild);
        // mdBook's toc.js scrolls the sidebar to the current chapter, and Chromium then starts
        // the Tab order there, past the skip link: start it at the page's top again (a page
        // opened at an #anchor keeps the anchor as its start).
        if (!location.hash && document.activeElement === document.body) {
            document.body.tabIndex = -1;
            document.body.focus({ preventScroll: true });
            document.body.removeAttribute("tabindex");
        }
    }

    // mdBook's zoomable images: an invisible checkbox inside a <label> around the image and a
    // copy of it, so the checkbox is named by the image's description and a screen reader reads
    // that description again for the copy. The checkbox says what it does; the copy is hidden
    // from screen readers (it repeats the image). mdBook closes the enlarged image on Escape.
    document.querySelectorAll(".content .checkbox-img").forEach(function (box) {
        box.setAttribute("aria-label", ko ? "그림 크게 보기" : "Enlarge the diagram");
        const copy = box.parentNode.querySelector(".img-wrapper");
        if (copy) {
            copy.setAttribute("aria-hidden", "true");
        }
    });

    // --- Diagrams in the theme's colours: theme/head.hbs, before the chapter is painted. ---

    // --- Words of the other language: lang on each run, for screen readers' voices. ---
    // A Korean page's English (StatefulSet, kubectl, Running and Ready, the theme names) read by
    // a Korean voice is mangled, and the reverse on English pages (the glossary's Korean terms).
    // Every run of Latin words in a Korean page's text, and of Hangul in an English page's, is
    // wrapped in <span lang="…">; code without Hangul gets lang="en" as a whole. One rule for the
    // whole book, chapters, chrome and the playground (which calls it on what it draws), so no
    // word is marked by hand and the translated text stays as it is written.
    const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/;
    const other = ko ? "en" : "ko";
    // A Latin run: words of two letters or more with what joins them inside a phrase
    // ("Running and Ready", "kube-rs", "spec.replicas"); single letters (a quiz's "(a)") stay.
    const RUN = ko
        ? /[A-Za-z][A-Za-z0-9]*(?:(?:[ .'’\/:_-]|, )[A-Za-z0-9]+)*/g
        : /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+(?:[ \u00b7]+[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+)*/g;
    const SKIP = /^(?:SCRIPT|STYLE|NOSCRIPT|TEXTAREA|SVG|MATH|TITLE|OPTION)$/;
    // What markLanguage put after each text node it split.
    const TAILS = new WeakMap();
    function markLanguage(root) {
        if (!root) {
            return;
        }
        if (ko) {
            // Code is English unless it holds Korean (a Korean transcript); checked again when
            // its text changes (the playground's log and commands).
            const codes = Array.from(root.querySelectorAll("code, pre, kbd, option"));
            if (root.matches && root.matches("code, pre, kbd, option")) {
                codes.push(root);
            }
            codes.forEach(function (c) {
                const auto = c.hasAttribute("data-sb-lang");
                if (HANGUL.test(c.textContent)) {
                    if (auto) {
                        c.removeAttribute("lang");
                        c.removeAttribute("data-sb-lang");
                    }
                } else if (!c.hasAttribute("lang")) {
                    c.setAttribute("lang", "en");
                    c.setAttribute("data-sb-lang", "");
                }
            });
        }
        // Text under another language's element (the switch, code marked above, spans from an
        // earlier call) is left alone; whole subtrees are skipped at their element.
        const within = root.closest ? root.closest("[lang]") : null;
        if (within && within.getAttribute("lang") !== lang) {
            return;
        }
        const wanted = ko ? /[A-Za-z]{2}/ : HANGUL;
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
            acceptNode: function (n) {
                if (n.nodeType === 1) {
                    if (SKIP.test(n.nodeName.toUpperCase()) || n.hasAttribute("data-sb-lang")
                        || (n.hasAttribute("lang") && n.getAttribute("lang") !== lang)
                        // A code block's thousand highlighted spans, skipped at once when it has
                        // nothing to mark.
                        || (n.nodeName === "PRE" && !wanted.test(n.textContent))) {
                        return NodeFilter.FILTER_REJECT;
                    }
                    return NodeFilter.FILTER_SKIP;
                }
                return wanted.test(n.data) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
            },
        });
        const nodes = [];
        while (walker.nextNode()) {
            nodes.push(walker.currentNode);
        }
        nodes.forEach(function (n) {
            const text = n.data;
            const parts = [];
            let at = 0;
            RUN.lastIndex = 0;
            let m;
            while ((m = RUN.exec(text)) !== null) {
                if (ko && !/[A-Za-z]{2}/.test(m[0])) {
                    continue;
                }
                parts.push(text.slice(at, m.index), m[0]);
                at = m.index + m[0].length;
            }
            if (parts.length === 0) {
                return;
            }
            parts.push(text.slice(at));
            // The text node stays where it is with the text before the first run (a script that
            // drew it may write into it again: markLanguageLive), the rest follows it.
            const frag = document.createDocumentFragment();
            const tail = [];
            parts.forEach(function (piece, i) {
                if (i === 0) {
                    return;
                }
                let node;
                if (i % 2 === 0) {
                    if (!piece) {
                        return;
                    }
                    node = document.createTextNode(piece);
                } else {
                    node = document.createElement("span");
                    node.lang = other;
                    node.dataset.sbLang = "";
                    node.textContent = piece;
                }
                tail.push(node);
                frag.appendChild(node);
            });
            n.parentNode.insertBefore(frag, n.nextSibling);
            n.data = parts[0];
            TAILS.set(n, tail);
        });
    }
    // Text that another script draws and redraws (Pagefind's results, whose Svelte components
    // write new text into the text nodes they made) is marked as it is drawn: added nodes are
    // marked, and a split text node given new text loses its old pieces and is marked again.
    // A mutation observer's callback runs before the browser paints the change.
    function markLanguageLive(root) {
        if (!root) {
            return;
        }
        const observer = new MutationObserver(function (records) {
            const again = new Set();
            records.forEach(function (r) {
                if (r.type === "characterData") {
                    const tail = TAILS.get(r.target);
                    if (tail) {
                        tail.forEach(function (t) {
                            if (t.parentNode) {
                                t.parentNode.removeChild(t);
                            }
                        });
                        TAILS.delete(r.target);
                    }
                    again.add(r.target.parentNode);
                } else {
                    r.addedNodes.forEach(function (n) {
                        again.add(n.nodeType === 1 ? n : n.parentNode);
                    });
                }
            });
            again.forEach(function (el) {
                if (el && el.nodeType === 1 && el.isConnected) {
                    markLanguage(el);
                }
            });
            // What markLanguage changed just now is not news.
            observer.takeRecords();
        });
        observer.observe(root, { childList: true, subtree: true, characterData: true });
    }
    window.StsBook = { markLanguage: markLanguage, markLanguageLive: markLanguageLive };

    // --- Korean page chrome: mdBook's own menu and help strings. ---
    function set(selector, attrs) {
        document.querySelectorAll(selector).forEach(function (el) {
            for (const k in attrs) {
                if (k === "text") { el.textContent = attrs[k]; } else { el.setAttribute(k, attrs[k]); }
            }
        });
    }
    const help = document.getElementById("mdbook-help-popup");
    if (help) {
        const lines = ko
            ? ["단축키", "<kbd>←</kbd> <kbd>→</kbd> 이전 장, 다음 장", "<kbd>S</kbd> <kbd>/</kbd> 이 책 검색", "<kbd>?</kbd> 이 도움말", "<kbd>Esc</kbd> 닫기"]
            : null;
        if (lines) {
            help.innerHTML = '<h2 class="mdbook-help-title">' + lines[0] + "</h2><div>"
                + lines.slice(1).map(function (l) { return "<p>" + l + "</p>"; }).join("") + "</div>";
        } else {
            // mdBook leaves the search line out when its own search is disabled.
            const div = help.querySelector("div");
            const p = document.createElement("p");
            p.innerHTML = "Press <kbd>S</kbd> or <kbd>/</kbd> to search in the book";
            if (div && div.children.length > 1) {
                div.insertBefore(p, div.children[1]);
            }
        }
    }
    if (ko) {
        set("#mdbook-sidebar", { "aria-label": "목차" });
        set("#mdbook-sidebar-toggle", { title: "목차 열기/닫기", "aria-label": "목차 열기/닫기" });
        set("#mdbook-theme-toggle", { title: "테마 바꾸기", "aria-label": "테마 바꾸기" });
        set("#mdbook-theme-list", { "aria-label": "테마" });
        set("#mdbook-theme-default_theme", { text: "자동" });
        set("#mdbook-theme-light", { text: "밝게" });
        set("a[href$='print.html']", { title: "이 책 인쇄", "aria-label": "이 책 인쇄" });
        set("a[rel~='prev']", { title: "이전 장", "aria-label": "이전 장" });
        set("a[rel~='next']", { title: "다음 장", "aria-label": "다음 장" });
        set("nav.nav-wrapper, nav.nav-wide-wrapper", { "aria-label": "장 이동" });
    }

    // Last, over the page as the chrome above left it.
    markLanguage(document.body);
    // The sidebar's chapter list is drawn by mdBook's toc.js, the page's section list after it.
    window.addEventListener("load", function () {
        markLanguage(document.getElementById("mdbook-sidebar"));
    });
})();
