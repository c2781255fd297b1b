//! The chapters' playground panel in a real browser (headless Chromium), on the built site of
//! `book_site.rs`: used as a reader would (clicks, typing) on a Korean and an English page,
//! driven through its JavaScript API (`element.playground`), every guided scenario played to
//! its end in both languages, and a bad manifest refused with one message.
//!
//! The numbers of the first action after the page loads and the size of the core are printed
//! and written to `target/tmp/playground-measurements.txt` (recorded in
//! tests/browser/measurements.md; not asserted: they depend on the machine).

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, LazyLock, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::cdp::Browser;

/// The built site served on 127.0.0.1 (an ephemeral port), as `cargo xtask serve` serves it.
static SERVER: LazyLock<String> = LazyLock::new(|| {
    let site = crate::site();
    assert!(
        matches!(site.playground, xtask::playground::Core::Built { .. }),
        "the site was built without the playground core: {}",
        site.playground.describe()
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    xtask::serve::spawn_server(listener, site.out_dir.clone(), Arc::new(AtomicU64::new(0)));
    format!("http://127.0.0.1:{port}")
});

/// Whether this checkout has the playground core (`playground/`). Without it the browser
/// tests say so and stop: the book builds without the core (its panels then say that their
/// simulator is missing), and these tests check the panel with the core.
fn core_in_checkout() -> bool {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("playground/Cargo.toml");
    if manifest.is_file() {
        return true;
    }
    xtask::say(format!("browser tests of the playground: SKIPPED, {} does not exist in this checkout", manifest.display()));
    false
}

/// The browser tests run two at a time (2 cores: a test mostly waits on its Chromium, which
/// mostly runs one page's script on one core), each with its own Chromium, which is ended when
/// the test ends, passed or failed (a static browser would never be dropped, and would outlive
/// the test binary). The measurement of the first action takes both slots, so that no other
/// browser runs beside the timed loads.
const SLOTS: usize = 2;
static SLOTS_TAKEN: Mutex<usize> = Mutex::new(0);
static SLOT_FREED: Condvar = Condvar::new();

/// `n` of the [`SLOTS`] browser slots, given back when dropped.
pub(super) struct Slots(usize);

impl Slots {
    fn take(n: usize) -> Slots {
        let mut taken = SLOTS_TAKEN.lock().unwrap_or_else(|e| e.into_inner());
        while *taken + n > SLOTS {
            taken = SLOT_FREED.wait(taken).unwrap_or_else(|e| e.into_inner());
        }
        *taken += n;
        Slots(n)
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        *SLOTS_TAKEN.lock().unwrap_or_else(|e| e.into_inner()) -= self.0;
        SLOT_FREED.notify_all();
    }
}

fn session_with(slots: usize) -> (Slots, Browser) {
    let held = Slots::take(slots);
    let browser = Browser::start(1100, 900).unwrap_or_else(|e| panic!("no browser: {e}"));
    (held, browser)
}

/// A browser for one test, in one of the slots.
pub(super) fn session() -> (Slots, Browser) {
    session_with(1)
}

/// Opens `/<lang>/<page>` at `width` px and waits until every panel on it is loaded.
fn open(b: &mut Browser, lang: &str, page: &str, width: u32) -> Value {
    b.set_size(width, 900).unwrap();
    let url = format!("{}/{lang}/{page}", *SERVER);
    b.goto(&url).unwrap();
    b.wait_for(
        "Array.from(document.querySelectorAll('.sts-playground')).every(e => e.dataset.ready === 'true' || e.dataset.ready === 'error') \
         && document.querySelectorAll('.sts-playground').length > 0",
        Duration::from_secs(30),
        &format!("the panels of {url} to load"),
    )
    .unwrap();
    let errors = b
        .eval("Array.from(document.querySelectorAll('.sts-playground')).filter(e => e.dataset.ready !== 'true').map(e => e.dataset.scenario + ': ' + e.querySelector('[data-pg=status]').textContent)")
        .unwrap();
    assert_eq!(errors, json!([]), "{url}: panels that did not load");
    b.eval("StsPlayground.panels.length").unwrap()
}

fn panel(scenario: &str) -> String {
    format!(".sts-playground[data-scenario=\"{scenario}\"]")
}

/// The pods a panel shows: name → (ready, terminating, ip).
fn shown_pods(b: &mut Browser, scenario: &str) -> BTreeMap<String, (bool, bool, String)> {
    let v = b
        .eval(&format!(
            "Array.from(document.querySelectorAll('{} tr[data-pod]')).map(tr => [tr.dataset.pod, \
             tr.querySelector('[data-col=ready]').textContent.trim(), tr.querySelector('[data-col=terminating]').textContent.trim(), \
             tr.querySelector('[data-col=ip]').textContent.trim()])",
            panel(scenario).replace('\'', "\\'")
        ))
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_owned(), (r[1] == "True", r[2] != "", r[3].as_str().unwrap().to_owned())))
        .collect()
}

fn text(b: &mut Browser, selector: &str) -> String {
    let sel = serde_json::to_string(selector).unwrap();
    b.eval(&format!("(document.querySelector({sel}) || {{textContent: ''}}).textContent")).unwrap().as_str().unwrap_or("").to_owned()
}

/// Clicks "+1 s" until `done` holds for the panel's pods, at most `max` times; returns the
/// pods seen after each click.
fn step_until(
    b: &mut Browser,
    scenario: &str,
    max: usize,
    what: &str,
    done: impl Fn(&BTreeMap<String, (bool, bool, String)>) -> bool,
) -> Vec<BTreeMap<String, (bool, bool, String)>> {
    let mut seen = Vec::new();
    for _ in 0..max {
        b.click(&format!("{} [data-pg-do=stepTime]", panel(scenario))).unwrap();
        let pods = shown_pods(b, scenario);
        let ok = done(&pods);
        seen.push(pods);
        if ok {
            return seen;
        }
    }
    panic!("{scenario}: after {max} clicks on +1 s, still not {what}; last pods shown: {:?}", seen.last());
}

/// A reader on the Ordinal pods page: the guided step applies the manifest, "+1 s" moves time,
/// the scale box and button scale to 5, a row's delete button deletes web-1.
fn reader_flow(lang: &str) {
    if !core_in_checkout() {
        return;
    }
    let (_one, mut browser) = session();
    let b = &mut browser;
    open(b, lang, "ordinal-pods.html", 1100);
    let p = panel("ordinal-pods");
    // The panel speaks the page's language.
    let (do_step, pods_heading, narration_word) = if lang == "ko" { ("이 단계 실행", "파드", "적용한다") } else { ("Do this step", "Pods", "Apply") };
    assert_eq!(text(b, &format!("{p} [data-pg-do=nextStep]")), do_step);
    assert!(text(b, &p).contains(pods_heading), "{lang}: no {pods_heading:?} heading in the panel");
    assert!(text(b, &format!("{p} [data-pg-narration]")).contains(narration_word), "{lang}: narration not in the page's language");

    // Step 1 of the scenario (it starts the clock), then pause and move time by hand.
    b.click(&format!("{p} [data-pg-do=nextStep]")).unwrap();
    let sel = p.replace('\'', "\\'");
    b.wait_for(&format!("document.querySelector('{sel} [data-pg=play]').getAttribute('aria-pressed') === 'true'"), Duration::from_secs(10), "the clock to start")
        .unwrap();
    b.click(&format!("{p} [data-pg=play]")).unwrap();
    assert!(text(b, &format!("{p} [data-pg=log]")).contains("kubectl apply -f web.yaml"), "the log shows no kubectl apply");
    let ready3 = |p: &BTreeMap<String, (bool, bool, String)>| ["web-0", "web-1", "web-2"].iter().all(|n| p.get(*n).is_some_and(|x| x.0));
    let seen = step_until(b, "ordinal-pods", 120, "web-0..2 Ready", ready3);
    // Ordered start-up, as the panel showed it click by click.
    for pods in &seen {
        if pods.contains_key("web-1") {
            assert!(pods["web-0"].0 || seen.iter().any(|s| s.get("web-0").is_some_and(|x| x.0)), "web-1 shown before web-0 was Ready");
        }
    }

    // Scale to 5 with the input box and the button; the command next to it says so.
    b.type_into(&format!("{p} [data-pg-in=replicas]"), "5").unwrap();
    assert_eq!(text(b, &format!("{p} [data-pg-cmd=scale]")), "kubectl scale statefulset web --replicas=5");
    b.click(&format!("{p} [data-pg-do=scale]")).unwrap();
    assert!(text(b, &format!("{p} [data-pg=log]")).contains("$ kubectl scale statefulset web --replicas=5"));
    let seen = step_until(b, "ordinal-pods", 120, "web-4 Ready", |p| p.get("web-4").is_some_and(|x| x.0));
    let first_web4 = seen.iter().position(|s| s.contains_key("web-4")).unwrap();
    let web3_ready = seen.iter().position(|s| s.get("web-3").is_some_and(|x| x.0)).expect("web-3 never shown Ready");
    assert!(web3_ready <= first_web4, "web-4 shown (click {first_web4}) before web-3 was Ready (click {web3_ready})");

    // Delete web-1 with its row's button: Terminating, then a new web-1 with a new address.
    let old_ip = shown_pods(b, "ordinal-pods")["web-1"].2.clone();
    b.click(&format!("{p} tr[data-pod=web-1] [data-pg-do=deletePod]")).unwrap();
    assert!(text(b, &format!("{p} [data-pg=log]")).contains("$ kubectl delete pod web-1"));
    // A graceful deletion: the row says Terminating at once, before time moves.
    let now = shown_pods(b, "ordinal-pods");
    assert!(now.get("web-1").is_some_and(|x| x.1), "web-1 not shown Terminating after its delete button: {now:?}");
    let seen = step_until(b, "ordinal-pods", 60, "web-1 back and Ready", |p| p.get("web-1").is_some_and(|x| x.0 && !x.1));
    let new_ip = &seen.last().unwrap()["web-1"].2;
    assert!(!new_ip.is_empty() && *new_ip != old_ip, "web-1 came back with the address {new_ip:?} (was {old_ip:?})");

    // Events and DNS, as the cluster answers them.
    let events = text(b, &format!("{p} [data-pg=events]"));
    for want in ["SuccessfulCreate", "create Pod web-4 in StatefulSet web successful", "create Pod web-1 in StatefulSet web successful", "Killing"] {
        assert!(events.contains(want), "{lang}: no {want:?} in the events shown: {events}");
    }
    let web0_ip = shown_pods(b, "ordinal-pods")["web-0"].2.clone();
    let dns = text(b, &format!("{p} tr[data-dns=\"A web-0.web.default.svc.cluster.local\"]"));
    assert!(dns.contains(&web0_ip), "DNS row for web-0: {dns:?}, pod IP {web0_ip}");
    assert_eq!(b.eval("StsPlayground.missingLabels").unwrap(), json!([]), "labels missing in {lang}");
}

#[test]
fn a_reader_uses_the_korean_playground_panel() {
    reader_flow("ko");
}

#[test]
fn a_reader_uses_the_english_playground_panel() {
    reader_flow("en");
}

/// Every action button of the panel, clicked as a reader would, with the command it shows:
/// the cluster changes as the command says, and the log shows no error.
#[test]
fn every_action_button_changes_the_cluster_as_its_command_says() {
    if !core_in_checkout() {
        return;
    }
    let (_one, mut browser) = session();
    let b = &mut browser;
    open(b, "en", "updates.html", 1100);
    let p = panel("partitioned-update");
    let sel = p.replace('\'', "\\'");
    b.eval(&format!("(async () => {{ const pg = document.querySelector('{sel}').playground; await pg.pause(); await pg.reset(); }})()")).unwrap();
    // Open the manifest editor and apply the chapter's manifest.
    b.click(&format!("{p} details.sts-pg-editor > summary")).unwrap();
    b.click(&format!("{p} [data-pg-do=apply]")).unwrap();
    b.eval(&format!("document.querySelector('{sel}').playground.advance(40)")).unwrap();
    let sts = |b: &mut Browser, path: &str| {
        b.eval(&format!(
            "(async () => {{ const s = await document.querySelector('{sel}').playground.state(); const o = s.objects.find(o => o.kind === 'StatefulSet' && o.metadata.name === 'web');              return o ? {path} : null; }})()"
        ))
        .unwrap()
    };
    // (input to type into, its text, the button, the command shown, what the StatefulSet then says)
    let steps: [(Option<(&str, &str)>, &str, &str, &str, Value); 4] = [
        (Some(("image", "nginx:1.28-alpine")), "image", "kubectl set image statefulset/web nginx=nginx:1.28-alpine", "o.spec.template.spec.containers[0].image", json!("nginx:1.28-alpine")),
        (Some(("partition", "2")), "partition", "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":2}}}}'", "o.spec.updateStrategy.rollingUpdate.partition", json!(2)),
        (None, "onDelete", "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\",\"rollingUpdate\":null}}}'", "o.spec.updateStrategy", json!({"type": "OnDelete"})),
        (None, "retention", "kubectl patch statefulset web -p '{\"spec\":{\"persistentVolumeClaimRetentionPolicy\":{\"whenDeleted\":\"Delete\",\"whenScaled\":\"Retain\"}}}'", "o.spec.persistentVolumeClaimRetentionPolicy", json!({"whenDeleted": "Delete", "whenScaled": "Retain"})),
    ];
    for (input, button, command, path, want) in steps {
        if let Some((name, value)) = input {
            b.type_into(&format!("{p} [data-pg-in={name}]"), value).unwrap();
        }
        if button == "retention" {
            b.eval(&format!("(() => {{ const e = document.querySelector('{sel} [data-pg-in=whenDeleted]'); e.value = 'Delete'; e.dispatchEvent(new Event('input', {{bubbles: true}})); }})()")).unwrap();
        }
        assert_eq!(text(b, &format!("{p} [data-pg-cmd={button}]")), command, "the command next to {button}");
        b.click(&format!("{p} [data-pg-do={button}]")).unwrap();
        let log = text(b, &format!("{p} [data-pg=log]"));
        let last = log.rsplit("$ ").next().unwrap_or("");
        assert!(last.starts_with(command) && last.lines().count() <= 2 && !last.contains("rror"), "{button}: the log ends with {last:?}");
        assert_eq!(sts(b, path), want, "{button}: {path}");
    }
    // A node fails and comes back, with the node's button.
    b.click(&format!("{p} [data-node=kind-worker] [data-pg-do=failNode]")).unwrap();
    b.eval(&format!("document.querySelector('{sel}').playground.advance(60)")).unwrap();
    assert!(text(b, &format!("{p} [data-node=kind-worker]")).contains("NotReady"), "kind-worker not NotReady 60 s after docker stop");
    b.click(&format!("{p} [data-node=kind-worker] [data-pg-do=recoverNode]")).unwrap();
    b.eval(&format!("document.querySelector('{sel}').playground.advance(20)")).unwrap();
    assert!(!text(b, &format!("{p} [data-node=kind-worker]")).contains("NotReady"), "kind-worker not Ready 20 s after docker start");
    let log = text(b, &format!("{p} [data-pg=log]"));
    assert!(log.contains("$ docker stop kind-worker") && log.contains("$ docker start kind-worker"), "{log}");
    // Delete the StatefulSet, orphaning its pods.
    b.eval(&format!("(() => {{ const e = document.querySelector('{sel} [data-pg-in=cascade]'); e.value = 'orphan'; e.dispatchEvent(new Event('input', {{bubbles: true}})); }})()")).unwrap();
    assert_eq!(text(b, &format!("{p} [data-pg-cmd=deleteSts]")), "kubectl delete statefulset web --cascade=orphan");
    b.click(&format!("{p} [data-pg-do=deleteSts]")).unwrap();
    b.eval(&format!("document.querySelector('{sel}').playground.advance(10)")).unwrap();
    assert_eq!(sts(b, "true"), Value::Null, "the StatefulSet is still there");
    let pods = shown_pods(b, "partitioned-update");
    assert!(["web-0", "web-1", "web-2"].iter().all(|n| pods.get(*n).is_some_and(|x| !x.1)), "orphaned pods should stay: {pods:?}");
}

/// Through `element.playground`: 3 → 5 → 2 with per-pod claims, sampled every half second of
/// simulated time.
#[test]
fn the_js_api_scales_3_5_2_in_order_and_keeps_every_claim() {
    if !core_in_checkout() {
        return;
    }
    let (_one, mut browser) = session();
    let b = &mut browser;
    for lang in ["ko", "en"] {
        open(b, lang, "ordinal-pods.html", 1100);
        let timeline = b
            .eval(
                r#"(async () => {
  const pg = document.querySelector('.sts-playground[data-scenario="ordinal-pods"]').playground;
  await pg.ready;
  await pg.pause();
  await pg.reset();
  const yaml = await (await fetch('manifests/volume-claim-templates/web-with-storage.yaml')).text();
  const applied = await pg.apply(yaml);
  const samples = [];
  const sample = async (phase) => {
    const s = await pg.state();
    const pods = s.objects.filter(o => o.kind === 'Pod').map(o => [o.metadata.name,
      (o.status.conditions || []).some(c => c.type === 'Ready' && c.status === 'True'), !!o.metadata.deletionTimestamp]);
    const claims = s.objects.filter(o => o.kind === 'PersistentVolumeClaim').map(o => o.metadata.name);
    samples.push({phase, time: s.time, pods, claims});
    return s;
  };
  const until = async (phase, f, limit) => {
    for (let i = 0; i < limit; i++) { await pg.advance(0.5); const s = await sample(phase); if (f(s)) return true; }
    return false;
  };
  const ready = (s, n) => s.objects.some(o => o.kind === 'Pod' && o.metadata.name === n && (o.status.conditions || []).some(c => c.type === 'Ready' && c.status === 'True'));
  const gone = (s, n) => !s.objects.some(o => o.kind === 'Pod' && o.metadata.name === n);
  const up = await until('start', s => ready(s, 'web-2'), 400);
  const scale5 = await pg.scale('web', 5);
  const at5 = await until('scale5', s => ready(s, 'web-4'), 400);
  const scale2 = await pg.scale('web', 2);
  const at2 = await until('scale2', s => gone(s, 'web-3') && gone(s, 'web-4'), 400);
  await until('after', s => false, 20);
  return {applied, up, scale5, at5, scale2, at2, samples};
})()"#,
            )
            .unwrap();
        let t = &timeline;
        assert_eq!(t["applied"]["ok"], true, "{lang}: apply: {}", t["applied"]);
        assert_eq!(t["scale5"]["ok"], true, "{lang}: scale 5: {}", t["scale5"]);
        assert_eq!(t["scale2"]["ok"], true, "{lang}: scale 2: {}", t["scale2"]);
        for k in ["up", "at5", "at2"] {
            assert_eq!(t[k], true, "{lang}: {k} never reached; samples: {}", t["samples"]);
        }
        let samples = t["samples"].as_array().unwrap();
        let has = |s: &Value, n: &str| s["pods"].as_array().unwrap().iter().any(|p| p[0] == n);
        let ready = |s: &Value, n: &str| s["pods"].as_array().unwrap().iter().any(|p| p[0] == n && p[1] == true);
        let terminating = |s: &Value, n: &str| s["pods"].as_array().unwrap().iter().any(|p| p[0] == n && p[2] == true);
        let first = |phase: &str, f: &dyn Fn(&Value) -> bool| samples.iter().position(|s| s["phase"] == phase && f(s));
        // Scale-up: web-3 created, web-4 only after web-3 is Ready.
        let web3 = first("scale5", &|s| has(s, "web-3")).expect("web-3 never created");
        let web3_ready = first("scale5", &|s| ready(s, "web-3")).expect("web-3 never Ready");
        let web4 = first("scale5", &|s| has(s, "web-4")).expect("web-4 never created");
        assert!(web3 <= web3_ready && web3_ready <= web4, "{lang}: web-3 created at sample {web3}, Ready at {web3_ready}, web-4 created at {web4}");
        // Scale-down: web-4 removed before web-3 starts terminating.
        let web4_gone = first("scale2", &|s| !has(s, "web-4")).expect("web-4 never removed");
        let web3_term = first("scale2", &|s| terminating(s, "web-3") || !has(s, "web-3")).expect("web-3 never removed");
        assert!(web4_gone <= web3_term, "{lang}: web-3 terminating at sample {web3_term}, before web-4 was gone at {web4_gone}");
        assert!(!samples.iter().any(|s| s["phase"] == "scale2" && terminating(s, "web-3") && has(s, "web-4")), "{lang}: web-3 and web-4 terminating together");
        // Every claim stays: 5 claims, web-0 and web-1 left.
        let last = samples.last().unwrap();
        let claims: BTreeSet<&str> = last["claims"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(claims, BTreeSet::from(["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"]), "{lang}: claims at the end");
        let pods: BTreeSet<&str> = last["pods"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap()).collect();
        assert_eq!(pods, BTreeSet::from(["web-0", "web-1"]), "{lang}: pods at the end");
        println!("{lang}: 3 → 5 → 2 in {} samples of 0.5 s: web-3 created {web3}, Ready {web3_ready}, web-4 created {web4}; web-4 gone {web4_gone}, web-3 terminating {web3_term}", samples.len());
    }
}

/// A YAML error and an invalid object, typed into the manifest editor: one message each (the
/// API server's), and the cluster as it was.
#[test]
fn a_bad_manifest_gives_one_message_and_changes_nothing() {
    if !core_in_checkout() {
        return;
    }
    let (_one, mut browser) = session();
    let b = &mut browser;
    open(b, "en", "updates.html", 1100);
    let p = panel("partitioned-update");
    b.eval(&format!(
        "(async () => {{ const pg = document.querySelector('{}').playground; await pg.pause(); await pg.reset(); \
         const a = await pg.apply(document.querySelector('{} [data-pg=yaml]').value); await pg.advance(30); return a; }})()",
        p.replace('\'', "\\'"),
        p.replace('\'', "\\'")
    ))
    .unwrap();
    let snapshot = |b: &mut Browser| {
        b.eval(&format!(
            "(async () => {{ const s = await document.querySelector('{}').playground.state(); \
             return s.objects.map(o => [o.kind, o.metadata.name, o.metadata.resourceVersion, JSON.stringify(o.spec || {{}})]); }})()",
            p.replace('\'', "\\'")
        ))
        .unwrap()
    };
    let before = snapshot(b);
    assert!(before.as_array().unwrap().iter().any(|o| o[0] == "StatefulSet"), "the manifest was not applied: {before}");
    b.eval(&format!("document.querySelector('{} details.sts-pg-editor').open = true", p.replace('\'', "\\'"))).unwrap();
    let cases = [
        ("a YAML error", "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n  labels: [unclosed\n"),
        (
            "an invalid object after a valid one",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n  clusterIP: None\n  selector:\n    app: x\n  ports:\n  - port: 80\n---\n\
             apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: nginx\n  replicas: -1\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27-alpine\n",
        ),
    ];
    for (what, yaml) in cases {
        b.type_into(&format!("{p} [data-pg=yaml]"), yaml).unwrap();
        b.click(&format!("{p} [data-pg-do=apply]")).unwrap();
        let msg = b
            .wait_for(
                &format!("(() => {{ const e = document.querySelector('{} [data-pg=applyResult]'); return !e.hidden && e.textContent; }})()", p.replace('\'', "\\'")),
                Duration::from_secs(5),
                "the apply result",
            )
            .unwrap();
        let msg = msg.as_str().unwrap();
        let shown = b
            .eval(&format!(
                "Array.from(document.querySelectorAll('{} .sts-pg-error')).filter(e => !e.hidden && e.offsetParent !== null).length",
                p.replace('\'', "\\'")
            ))
            .unwrap();
        assert_eq!(shown, json!(1), "{what}: {shown} error messages shown");
        assert!(msg.lines().count() <= 3 && !msg.trim().is_empty(), "{what}: not one message: {msg:?}");
        assert!(!msg.contains("created") && !msg.contains("configured"), "{what}: {msg:?}");
        if what.starts_with("an invalid") {
            assert!(msg.contains("invalid") && msg.contains("replicas"), "{what}: not the API server's message: {msg:?}");
        }
        let after = snapshot(b);
        assert_eq!(after, before, "{what} changed the cluster (message {msg:?})");
        println!("{what}: {msg}");
    }
}

/// Every panel of the book, in both languages: its narration matches its scenario's steps,
/// and the scenario plays to its end with the core accepting every step. The stuck-pod
/// scenario is checked step by step.
#[test]
fn every_guided_scenario_plays_to_its_end_in_both_languages() {
    if !core_in_checkout() {
        return;
    }
    let pages = ["replicaset-and-statefulset.html", "ordinal-pods.html", "volume-claim-templates.html", "headless-services.html", "updates.html", "case-study-database.html"];
    let (_one, mut browser) = session();
    let b = &mut browser;
    let mut scenarios = BTreeSet::new();
    for lang in ["en", "ko"] {
        for page in pages {
            open(b, lang, page, 1100);
            let result = b
                .eval(
                    r#"(async () => {
  const out = [];
  for (const el of document.querySelectorAll('.sts-playground')) {
    const pg = el.playground;
    await pg.ready; await pg.pause(); await pg.reset();
    const n = StsPlayground.scenarios[el.dataset.scenario].steps.length;
    const steps = [];
    for (let i = 0; i < n; i++) {
      const a = await pg.nextStep();
      await pg.pause();
      await pg.advance(40);
      const s = await pg.state();
      const mine = (k) => s.objects.filter(o => o.kind === k && o.metadata.namespace === 'default');
      const ready = (o) => (o.status.conditions || []).some(c => c.type === 'Ready' && c.status === 'True');
      const pods = mine('Pod').map(o => o.metadata.name + (ready(o) ? '+' : '-')).sort();
      const detail = {};
      for (const o of mine('Pod')) {
        detail[o.metadata.name] = {ready: ready(o), terminating: !!o.metadata.deletionTimestamp, uid: o.metadata.uid,
          node: o.spec.nodeName || '', rev: (o.metadata.labels || {})['controller-revision-hash'] || ''};
      }
      const claims = mine('PersistentVolumeClaim').map(o => o.metadata.name).sort();
      const sts = mine('StatefulSet').map(o => [o.metadata.name, o.status.currentRevision, o.status.updateRevision]);
      const dns = (await pg.dns('web-1.nginx.default.svc.cluster.local', 'A')).ok;
      steps.push({ok: a.ok, error: a.error || null, pods, detail, claims, sts, dns});
    }
    out.push({scenario: el.dataset.scenario, items: el.querySelectorAll('[data-pg-narration]').length, free: !!el.querySelector('.sts-pg-free'), steps});
  }
  return out;
})()"#,
                )
                .unwrap();
            for panel in result.as_array().unwrap() {
                let id = panel["scenario"].as_str().unwrap().to_owned();
                assert_eq!(panel["free"], true, "{lang}/{page} {id}: not in free play after its last step");
                for (i, s) in panel["steps"].as_array().unwrap().iter().enumerate() {
                    assert_eq!(s["ok"], true, "{lang}/{page} {id}: step {} failed: {}", i + 1, s["error"]);
                }
                check_scenario(lang, &id, panel["steps"].as_array().unwrap());
                if id == "stuck-pod" {
                    let pods = |i: usize| panel["steps"][i]["pods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect::<Vec<_>>();
                    // Step 3 (scale to 5 with web-1 not Ready): nothing new under OrderedReady.
                    assert!(!pods(2).iter().any(|p| p.starts_with("web-3") || p.starts_with("web-4")), "{lang}: OrderedReady created past an unready web-1: {:?}", pods(2));
                    assert!(pods(2).contains(&"web-1-".to_owned()), "{lang}: web-1 is Ready after its probe failed: {:?}", pods(2));
                    // Step 4 (web-1 Ready again): web-3 and web-4 follow.
                    assert!(pods(3).contains(&"web-3+".to_owned()), "{lang}: web-3 not Ready after web-1 recovered: {:?}", pods(3));
                    // Step 7 (Parallel, web-parallel-1 not Ready): 3 and 4 created anyway.
                    assert!(pods(6).iter().any(|p| p.starts_with("web-parallel-4")) && pods(6).contains(&"web-parallel-1-".to_owned()), "{lang}: Parallel: {:?}", pods(6));
                }
                scenarios.insert(id);
            }
        }
    }
    let all: BTreeSet<String> = b.eval("Object.keys(StsPlayground.scenarios)").unwrap().as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
    assert_eq!(scenarios, all, "scenarios placed in no chapter");
}

/// What each scenario's narration says, checked on the cluster's state after each step (and
/// 40 simulated seconds).
fn check_scenario(lang: &str, id: &str, steps: &[Value]) {
    let names = |i: usize| -> BTreeSet<String> { steps[i]["detail"].as_object().unwrap().keys().cloned().collect() };
    let pod = |i: usize, n: &str| steps[i]["detail"][n].clone();
    let claims = |i: usize| -> Vec<String> { steps[i]["claims"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect() };
    let set = |xs: &[&str]| -> BTreeSet<String> { xs.iter().map(|s| s.to_string()).collect() };
    let ctx = format!("{lang} {id}");
    match id {
        "replicaset-vs-statefulset" => {
            let rs = |i: usize| names(i).into_iter().filter(|n| n.starts_with("web-rs-")).collect::<BTreeSet<_>>();
            assert_eq!(rs(0).len(), 3, "{ctx}: step 1: {:?}", names(0));
            assert!(rs(0).iter().all(|n| n["web-rs-".len()..].parse::<u32>().is_err()), "{ctx}: ReplicaSet pods with ordinals: {:?}", rs(0));
            assert_eq!(names(1).iter().filter(|n| n.starts_with("web-sts-")).count(), 3, "{ctx}: step 2: {:?}", names(1));
            assert!(rs(2).len() == 3 && rs(2) != rs(1), "{ctx}: step 3: the ReplicaSet's pods {:?} then {:?}", rs(1), rs(2));
            assert!(pod(3, "web-sts-1")["ready"] == true && pod(3, "web-sts-1")["uid"] != pod(2, "web-sts-1")["uid"], "{ctx}: step 4: web-sts-1 not replaced");
        }
        "ordinal-pods" => {
            assert_eq!(names(1), set(&["web-0", "web-1", "web-2", "web-3", "web-4"]), "{ctx}: step 2");
            assert_eq!(names(2), set(&["web-0", "web-1"]), "{ctx}: step 3");
            assert!(pod(3, "web-1")["uid"] != pod(2, "web-1")["uid"] && pod(3, "web-1")["ready"] == true, "{ctx}: step 4: web-1 not replaced");
        }
        "claims-retention" => {
            assert_eq!(claims(0), ["www-web-0", "www-web-1", "www-web-2"], "{ctx}: step 1");
            assert!(pod(1, "web-1")["uid"] != pod(0, "web-1")["uid"] && claims(1) == claims(0), "{ctx}: step 2");
            assert!(names(2) == set(&["web-0"]) && claims(2) == claims(0), "{ctx}: step 3: pods {:?}, claims {:?}", names(2), claims(2));
            assert!(names(3).len() == 3 && claims(3) == claims(0), "{ctx}: step 4");
            assert!(names(5) == set(&["web-0"]) && claims(5) == ["www-web-0"], "{ctx}: step 6: pods {:?}, claims {:?}", names(5), claims(5));
            assert!(names(6).is_empty() && claims(6).is_empty(), "{ctx}: step 7: pods {:?}, claims {:?}", names(6), claims(6));
        }
        "headless-dns" => {
            assert_eq!(steps[0]["dns"], true, "{ctx}: step 1: web-1.nginx has no A record");
            assert_eq!(steps[2]["dns"], false, "{ctx}: step 3: web-1.nginx still answers while not Ready");
            assert_eq!(steps[3]["dns"], true, "{ctx}: step 4: web-1.nginx does not answer again");
        }
        "partitioned-update" => {
            let rev = |i: usize, n: &str| pod(i, n)["rev"].as_str().unwrap().to_owned();
            let (cur, upd) = (&steps[2]["sts"][0][1], &steps[2]["sts"][0][2]);
            assert!(cur != upd && rev(2, "web-2") == *upd && rev(2, "web-0") == *cur && rev(2, "web-1") == *cur, "{ctx}: step 3: {}", steps[2]["detail"]);
            assert!(["web-0", "web-1", "web-2"].iter().all(|n| rev(3, n) == *upd), "{ctx}: step 4: {}", steps[3]["detail"]);
            assert_eq!(steps[4]["sts"][0][2], steps[0]["sts"][0][2], "{ctx}: step 5: the rollback's revision is not the first one");
            assert!(["web-0", "web-1", "web-2"].iter().all(|n| rev(4, n) == *cur), "{ctx}: step 5: {}", steps[4]["detail"]);
        }
        "node-failure" => {
            let node = pod(0, "web-0")["node"].clone();
            assert!(pod(2, "web-0")["ready"] == false && pod(2, "web-0")["uid"] == pod(0, "web-0")["uid"], "{ctx}: step 3: {}", pod(2, "web-0"));
            assert!(pod(3, "web-0")["terminating"] == true && pod(3, "web-0")["uid"] == pod(0, "web-0")["uid"], "{ctx}: step 4: {}", pod(3, "web-0"));
            let back = pod(4, "web-0");
            assert!(back["ready"] == true && back["uid"] != pod(0, "web-0")["uid"] && back["node"] == node, "{ctx}: step 5: {back} (was on {node})");
        }
        _ => {}
    }
}

/// A phone-sized screen: the panel fits the 390 px page; the first action after the page
/// loads is measured, with the core's size.
#[test]
fn the_panel_fits_a_phone_and_answers_its_first_action_quickly() {
    if !core_in_checkout() {
        return;
    }
    // Alone among the browsers: the loads are timed.
    let (_all, mut browser) = session_with(SLOTS);
    let b = &mut browser;
    let mut lines = Vec::new();
    // Every load as a first visit (no cache); three loads per page, the median reported (the
    // tests of this binary without a browser run at the same time on 2 cores).
    b.send("Network.enable", json!({})).unwrap();
    b.send("Network.setCacheDisabled", json!({"cacheDisabled": true})).unwrap();
    for lang in ["ko", "en"] {
        b.set_size(390, 844).unwrap();
        let url = format!("{}/{lang}/ordinal-pods.html", *SERVER);
        let mut runs = Vec::new();
        for _ in 0..3 {
            b.goto(&url).unwrap();
            // From navigation start: the panel loaded, and the answer to its first action (apply).
            let t = b
                .eval(
                    r#"(async () => {
  const el = document.querySelector('.sts-playground');
  await el.playground.ready;
  const ready = performance.now();
  const a = await el.playground.apply(el.querySelector('[data-pg=yaml]').value);
  const first = performance.now();
  await el.playground.advance(20);
  const nav = performance.getEntriesByType('navigation')[0];
  return {ok: a.ok, ready, first, dom: nav.domContentLoadedEventEnd};
})()"#,
                )
                .unwrap();
            assert_eq!(t["ok"], true, "{lang}: first apply: {t}");
            runs.push((t["first"].as_f64().unwrap() - t["dom"].as_f64().unwrap_or(0.0), t));
        }
        let overflow = b
            .eval("(() => { const r = document.querySelector('.sts-playground').getBoundingClientRect(); return [r.left, r.right, innerWidth, document.documentElement.scrollWidth]; })()")
            .unwrap();
        let (left, right, width) = (overflow[0].as_f64().unwrap(), overflow[1].as_f64().unwrap(), overflow[2].as_f64().unwrap());
        assert!(left >= 0.0 && right <= width + 0.5, "{lang}: the panel ({left}..{right}) does not fit the {width} px screen");
        assert!(overflow[3].as_f64().unwrap() <= width + 0.5, "{lang}: the page scrolls sideways at 390 px: {overflow}");
        let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("playground-{lang}-390.png"));
        let _ = b.screenshot(&shot);
        runs.sort_by(|x, y| x.0.total_cmp(&y.0));
        let all: Vec<String> = runs.iter().map(|r| format!("{:.0}", r.0)).collect();
        let t = &runs[1].1;
        let (dom, ready, first) = (t["dom"].as_f64().unwrap_or(0.0), t["ready"].as_f64().unwrap(), t["first"].as_f64().unwrap());
        lines.push(format!(
            "{lang}: median of 3 uncached loads, from navigation start: page DOMContentLoaded {dom:.0} ms, panel ready {ready:.0} ms, \
             first action (apply) answered {first:.0} ms; first action answered {:.0} ms after the page's DOMContentLoaded (runs: {} ms)",
            first - dom,
            all.join(", ")
        ));
    }
    b.send("Network.setCacheDisabled", json!({"cacheDisabled": false})).unwrap();
    if let xtask::playground::Core::Built { wasm, bytes } = &crate::site().playground {
        let gz = std::process::Command::new("gzip").arg("-9c").arg(wasm).output().map(|o| o.stdout.len()).unwrap_or(0);
        lines.push(format!("playground.wasm: {bytes} bytes ({}), {gz} bytes gzipped (-9)", xtask::playground::fmt_bytes(*bytes)));
    }
    let report = lines.join("\n") + "\n";
    print!("{report}");
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("playground-measurements.txt"), &report);
}

/// The panel's own words (theme/playground-labels.js): both languages have every label the
/// panel uses, none empty, and the Korean ones use no fallback particles.
#[test]
fn the_panel_labels_exist_in_both_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let js = std::fs::read_to_string(root.join("theme/playground-labels.js")).unwrap();
    let start = js.find("= {").expect("window.STS_PLAYGROUND_LABELS = {...}") + 2;
    let end = js.rfind("};").expect("closing };") + 1;
    let labels: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_str(&js[start..end]).expect("labels are JSON");
    let en = &labels["en"];
    let ko = &labels["ko"];
    assert_eq!(en.keys().collect::<Vec<_>>(), ko.keys().collect::<Vec<_>>(), "English and Korean label keys differ");
    let panel = std::fs::read_to_string(root.join("theme/playground.js")).unwrap();
    let mut used = BTreeSet::new();
    for (i, _) in panel.match_indices("t(\"") {
        // `t("key"`, not `split("/"`.
        if panel[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &panel[i + 3..];
        used.insert(rest[..rest.find('"').unwrap()].to_owned());
    }
    for (i, _) in panel.match_indices("\"col_") {
        let rest = &panel[i + 1..];
        used.insert(rest[..rest.find('"').unwrap()].to_owned());
    }
    assert!(used.len() > 40, "found only {} labels used in playground.js", used.len());
    let missing: Vec<&String> = used.iter().filter(|k| !en.contains_key(*k)).collect();
    assert!(missing.is_empty(), "labels playground.js uses that playground-labels.js lacks: {missing:?}");
    let unused: Vec<&String> = en.keys().filter(|k| !used.contains(*k)).collect();
    assert!(unused.is_empty(), "labels no code uses: {unused:?}");
    for (k, v) in ko {
        assert!(!v.trim().is_empty() && !en[k].trim().is_empty(), "empty label {k}");
        for fallback in cluster_choice::particle::fallback_spellings() {
            assert!(!v.contains(fallback.as_str()), "Korean label {k} uses {fallback}: {v}");
        }
        // Every {placeholder} of the English label is in the Korean one.
        for part in en[k].split('{').skip(1) {
            let name = &part[..part.find('}').unwrap_or(0)];
            assert!(v.contains(&format!("{{{name}}}")), "Korean label {k} lacks {{{name}}}: {v}");
        }
    }
}
