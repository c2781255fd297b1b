//! Every built page of both languages checked with axe-core (Deque's accessibility engine,
//! the pinned npm package `axe-core`, fetched into `.tools/npm/`) in headless Chromium: the
//! WCAG 2 A and AA rules (tags `wcag2a`, `wcag2aa`), in the light theme and in a dark one
//! (coal); the three other themes the picker offers (rust, navy, ayu) in an ignored test.
//! A failure lists each violation: rule, page, element (its CSS selector) and axe's summary.
//!
//! The counts per rule and language, and every violation, are written to
//! `target/tmp/axe-<theme>.txt` (before and after the theme's fixes: accessibility.md).
//!
//! Beside axe, two things a keyboard reader needs and axe does not try: mdBook's sidebar
//! toggle pressed with Enter and Space, and a code block that scrolls on a phone reachable
//! with Tab and named in the page's language; the diagrams drawn in their own dark colours in
//! the dark themes, from the first frame a dark page paints;
//! and no page, search dialog or enlarged diagram wider than a 390 px phone.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde_json::Value;

use super::cdp::Browser;

/// The pinned axe-core release (npm package `axe-core`, MPL-2.0, maintained by Deque).
const AXE_VERSION: &str = "4.14.1";

/// The rule sets checked: WCAG 2.0 level A and AA (axe's tags).
const TAGS: &str = "['wcag2a', 'wcag2aa']";

static AXE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let dir = xtask::tools::npm_package(Path::new(env!("CARGO_MANIFEST_DIR")), "axe-core", AXE_VERSION)
        .unwrap_or_else(|e| panic!("cannot fetch axe-core {AXE_VERSION}: {e:#}"));
    std::fs::read_to_string(dir.join("axe.min.js")).unwrap_or_else(|e| panic!("{}/axe.min.js: {e}", dir.display()))
});

/// The built site served on 127.0.0.1 (an ephemeral port), as `cargo xtask serve` serves it.
pub(super) static SERVER: LazyLock<String> = LazyLock::new(|| {
    let site = crate::site();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    xtask::serve::spawn_server(listener, site.out_dir.clone(), Arc::new(AtomicU64::new(0)));
    format!("http://127.0.0.1:{port}")
});

/// The pages checked in one language: every built page but `print.html`, which is the
/// chapters (checked one by one) on one page.
fn pages(lang: &str) -> Vec<String> {
    let mut pages: Vec<String> =
        xtask::site::html_pages(&crate::site().out_dir.join(lang)).into_iter().filter(|p| p != "print.html").collect();
    pages.sort();
    pages
}

/// One violation: rule, impact, page, element, axe's summary.
struct Violation {
    rule: String,
    impact: String,
    page: String,
    target: String,
    summary: String,
}

/// Runs axe on `/<lang>/<page>` (with `?search=` the search dialog open) in `theme` (mdBook's `mdbook-theme` in localStorage, as the
/// theme picker stores it).
fn check_page(b: &mut Browser, lang: &str, page: &str, theme: &str) -> Vec<Violation> {
    let url = format!("{}/{lang}/{page}", *SERVER);
    b.goto(&url).unwrap();
    let set = b.eval(&format!("localStorage.getItem('mdbook-theme') === '{theme}'")).unwrap();
    if set != Value::Bool(true) {
        b.eval(&format!("localStorage.setItem('mdbook-theme', '{theme}')")).unwrap();
        b.goto(&url).unwrap();
    }
    // toc.html (the sidebar for readers without scripts, in an iframe) has no theme picker:
    // it is checked as it is, in the light theme.
    b.wait_for(
        &format!("document.documentElement.classList.contains('{theme}') || !document.getElementById('mdbook-theme-list')"),
        Duration::from_secs(10),
        &format!("{url} in the {theme} theme"),
    )
    .unwrap();
    // Panels of the playground build their content after the load: wait for them.
    b.wait_for(
        "Array.from(document.querySelectorAll('.sts-playground')).every(e => e.dataset.ready === 'true' || e.dataset.ready === 'error')",
        Duration::from_secs(30),
        &format!("the panels of {url} to load"),
    )
    .unwrap();
    // `?search=` opens the search dialog (site.js): wait for Pagefind's results in it.
    if url.contains("?search=") {
        b.wait_for(
            "!document.getElementById('sb-search').hidden && document.querySelectorAll('.pagefind-ui__result').length",
            Duration::from_secs(30),
            &format!("the search results of {url}"),
        )
        .unwrap();
    }
    if b.eval("typeof axe").unwrap() != "object" {
        b.eval(&format!("{};true", *AXE_SOURCE)).unwrap();
    }
    let found = b
        .eval(&format!(
            "axe.run(document, {{runOnly: {{type: 'tag', values: {TAGS}}}, resultTypes: ['violations']}}).then(r => \
             r.violations.flatMap(v => v.nodes.map(n => [v.id, v.impact || '', n.target.join(' '), \
             (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)])))"
        ))
        .unwrap_or_else(|e| panic!("axe on {url}: {e}"));
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Violation {
            rule: v[0].as_str().unwrap_or("").to_owned(),
            impact: v[1].as_str().unwrap_or("").to_owned(),
            page: format!("{lang}/{page}"),
            target: v[2].as_str().unwrap_or("").to_owned(),
            summary: v[3].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

/// Every page of both languages in `theme`: the violations, counted per rule and language
/// into `target/tmp/axe-<theme>.txt` with every violation, and listed in the failure.
fn every_page_passes_axe(theme: &str) {
    if let Err(failure) = violations_in(theme) {
        panic!("{failure}");
    }
}

/// The check of [`every_page_passes_axe`]: `Err` with the report and the list.
fn violations_in(theme: &str) -> Result<(), String> {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    let mut all = Vec::new();
    let mut checked = 0;
    for lang in xtask::site::LANGUAGES {
        let pages = pages(lang);
        assert!(pages.len() > 10, "only {} pages in {lang}", pages.len());
        for page in pages {
            all.extend(check_page(b, lang, &page, theme));
            checked += 1;
        }
        // The search dialog, open with results (Pagefind's UI in the page's colours).
        let word = if lang == "ko" { "%ED%8C%8C%EB%93%9C" } else { "StatefulSet" };
        all.extend(check_page(b, lang, &format!("ordinal-pods.html?search={word}"), theme));
        checked += 1;
    }
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut pages_hit: BTreeMap<(String, String), std::collections::BTreeSet<String>> = BTreeMap::new();
    for v in &all {
        let lang = v.page.split('/').next().unwrap().to_owned();
        *counts.entry((v.rule.clone(), lang.clone())).or_default() += 1;
        pages_hit.entry((v.rule.clone(), lang)).or_default().insert(v.page.clone());
    }
    let mut report = format!("axe-core {AXE_VERSION}, {TAGS}, theme {theme}: {checked} pages, {} violations (elements)\n", all.len());
    for ((rule, lang), n) in &counts {
        report.push_str(&format!("  {rule} {lang}: {n} elements on {} pages\n", pages_hit[&(rule.clone(), lang.clone())].len()));
    }
    print!("{report}");
    let listed: Vec<String> =
        all.iter().map(|v| format!("{} ({}) on {}: {}: {}", v.rule, v.impact, v.page, v.target, v.summary)).collect();
    let whole = format!("{report}{}", listed.iter().map(|l| format!("  {l}\n")).collect::<String>());
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("axe-{theme}.txt")), whole);
    if all.is_empty() { Ok(()) } else { Err(format!("{report}{}", crate::listed(&listed))) }
}

#[test]
fn every_page_of_both_languages_passes_axe_in_the_light_theme() {
    every_page_passes_axe("light");
}

#[test]
fn every_page_of_both_languages_passes_axe_in_the_coal_theme() {
    every_page_passes_axe("coal");
}

#[test]
#[ignore = "the three other themes of the picker (about three times the coal test's time): run with --ignored"]
fn every_page_of_both_languages_passes_axe_in_the_rust_navy_and_ayu_themes() {
    let failures: Vec<String> = ["rust", "navy", "ayu"].into_iter().filter_map(|theme| violations_in(theme).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Presses `key` (Enter or a space) on the focused element, as a keyboard does.
fn press(b: &mut Browser, key: &str) {
    let (code, text) = if key == " " { ("Space", " ") } else { (key, "\r") };
    for kind in ["keyDown", "keyUp"] {
        let mut params = serde_json::json!({"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": if key == " " { 32 } else { 13 }});
        if kind == "keyDown" {
            params["text"] = Value::from(text);
        }
        b.send("Input.dispatchKeyEvent", params).unwrap();
    }
}

/// mdBook's sidebar toggle (a <label>) is a button a keyboard reaches and presses: Enter hides
/// the table of contents, a space shows it again, and aria-expanded says so each time.
#[test]
fn the_sidebar_toggle_is_a_keyboard_button_in_both_languages() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    for (lang, name) in [("ko", "목차 열기/닫기"), ("en", "Toggle Table of Contents")] {
        b.goto(&format!("{}/{lang}/ordinal-pods.html", *SERVER)).unwrap();
        let t = b
            .eval("(() => { const t = document.getElementById('mdbook-sidebar-toggle'); t.focus(); \
                   return [t.getAttribute('role'), t.tabIndex, t.getAttribute('aria-label'), document.activeElement === t, t.getAttribute('aria-expanded')]; })()")
            .unwrap();
        assert_eq!(t, serde_json::json!(["button", 0, name, true, "true"]), "{lang}: the toggle's role, tab stop, name, focus, state");
        press(b, "Enter");
        b.wait_for(
            "!document.documentElement.classList.contains('sidebar-visible') && document.getElementById('mdbook-sidebar-toggle').getAttribute('aria-expanded') === 'false'",
            Duration::from_secs(5),
            &format!("{lang}: Enter on the toggle to hide the sidebar"),
        )
        .unwrap();
        press(b, " ");
        b.wait_for(
            "document.documentElement.classList.contains('sidebar-visible') && document.getElementById('mdbook-sidebar-toggle').getAttribute('aria-expanded') === 'true'",
            Duration::from_secs(5),
            &format!("{lang}: a space on the toggle to show the sidebar again"),
        )
        .unwrap();
    }
}

/// At a phone's width, a code block that scrolls sideways is a tab stop named in the page's
/// language; one that fits is not (no needless tab stops).
#[test]
fn code_blocks_that_scroll_are_focusable_and_named_in_the_pages_language() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    for (lang, yaml) in [("ko", "YAML 코드"), ("en", "YAML code")] {
        b.set_size(390, 800).unwrap();
        b.goto(&format!("{}/{lang}/ordinal-pods.html", *SERVER)).unwrap();
        let found = b
            .wait_for(
                "(() => { const c = Array.from(document.querySelectorAll('pre > code')); \
                 const s = c.filter(e => e.scrollWidth > e.clientWidth + 1); \
                 return s.length > 0 && [s.length, s.every(e => e.tabIndex === 0 && e.getAttribute('role') === 'region'), \
                 s.filter(e => e.classList.contains('language-yaml')).map(e => e.getAttribute('aria-label')).slice(0, 1), \
                 c.filter(e => e.scrollWidth <= e.clientWidth + 1 && e.hasAttribute('tabindex')).length]; })()",
                Duration::from_secs(10),
                &format!("{lang}: a code block that scrolls at 390 px"),
            )
            .unwrap();
        assert_eq!(found[1], Value::Bool(true), "{lang}: scrolling code blocks that are not tab stops with a role: {found}");
        assert_eq!(found[2], serde_json::json!([yaml]), "{lang}: the name of a scrolling YAML block: {found}");
        assert_eq!(found[3], serde_json::json!(0), "{lang}: code blocks that fit but are tab stops: {found}");
    }
}

/// The diagrams follow the theme from inside the SVG: in the dark themes each is shown as
/// `name.svg#dark` (its own dark colours, xtask/src/diagrams.rs) and draws dark (mean lightness
/// of its pixels under 0.35), in the light ones as drawn (over 0.6), with no CSS filter, in both
/// languages, each with a text alternative; switching the theme with the picker switches them.
#[test]
fn diagrams_follow_the_theme_in_both_languages() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    // Each diagram of the page: [src, in the theme, CSS filter, alt long enough, mean lightness].
    let shown = "Promise.all(Array.from(document.querySelectorAll('main img[src*=\".svg\"]:not(.img-wrapper img)')).map(async i => { \
                 await i.decode(); const c = document.createElement('canvas'); c.width = 80; c.height = 50; \
                 const x = c.getContext('2d'); x.drawImage(i, 0, 0, 80, 50); const d = x.getImageData(0, 0, 80, 50).data; let sum = 0; \
                 for (let k = 0; k < d.length; k += 4) sum += (0.2126 * d[k] + 0.7152 * d[k + 1] + 0.0722 * d[k + 2]) / 255; \
                 return [i.getAttribute('src'), getComputedStyle(i).filter, (i.alt || '').length > 10, Math.round(sum / (d.length / 4) * 100) / 100]; }))";
    for lang in ["ko", "en"] {
        for theme in ["coal", "navy", "ayu", "light", "rust"] {
            let url = format!("{}/{lang}/ordinal-pods.html", *SERVER);
            b.goto(&url).unwrap();
            b.eval(&format!("localStorage.setItem('mdbook-theme', '{theme}')")).unwrap();
            b.goto(&url).unwrap();
            assert_eq!(b.eval(&format!("document.documentElement.classList.contains('{theme}')")).unwrap(), Value::Bool(true), "{lang}: not in {theme}");
            let found = b.eval(shown).unwrap();
            let found = found.as_array().unwrap();
            assert!(found.len() >= 2, "{lang}/{theme}: only {} diagrams on ordinal-pods.html", found.len());
            let dark = matches!(theme, "coal" | "navy" | "ayu");
            for d in found {
                let src = d[0].as_str().unwrap();
                let light = d[3].as_f64().unwrap();
                assert_eq!(src.ends_with(".svg#dark"), dark, "{lang}/{theme}: {src}");
                assert_eq!(d[1], "none", "{lang}/{theme}: {src} shown through a CSS filter");
                assert_eq!(d[2], Value::Bool(true), "{lang}: {src} has no text alternative");
                if dark {
                    assert!(light < 0.35, "{lang}/{theme}: {src} draws light (mean lightness {light})");
                } else {
                    assert!(light > 0.6, "{lang}/{theme}: {src} draws dark (mean lightness {light})");
                }
                if lang == "ko" {
                    assert!(src.split('#').next().unwrap().ends_with(".ko.svg"), "ko: {src} is not the Korean diagram");
                }
            }
        }
        // The picker switches them with the page: light to coal and back, without a reload.
        for (theme, dark) in [("coal", true), ("light", false)] {
            b.eval(&format!("document.getElementById('mdbook-theme-toggle').click(); document.getElementById('mdbook-theme-{theme}').click()")).unwrap();
            b.wait_for(
                &format!("Array.from(document.querySelectorAll('main img[src*=\".svg\"]')).every(i => i.getAttribute('src').endsWith('#dark') === {dark})"),
                Duration::from_secs(5),
                &format!("{lang}: the diagrams to follow the picker to {theme}"),
            )
            .unwrap();
        }
    }
}

/// In the page from its first moment (a DevTools init script): every frame the browser renders
/// (each requestAnimationFrame) until five frames after the load, the diagrams in the chapter
/// without their dark address (`name.svg#dark`) while a dark theme is on, and the frames that had
/// diagrams before the load (so that the check saw the chapter being drawn).
const FIRST_PAINT_RECORDER: &str = r#"(() => {
  const rec = window.sbPaint = { frames: 0, withDiagrams: 0, light: [], loadedLight: 0, done: false };
  let loaded = false;
  let after = 0;
  addEventListener('load', () => { loaded = true; });
  const frame = () => {
    rec.frames += 1;
    const imgs = Array.from(document.querySelectorAll('main img[src*=".svg"]'));
    if (imgs.length && !loaded) rec.withDiagrams += 1;
    if (['coal', 'navy', 'ayu'].some(t => document.documentElement.classList.contains(t))) {
      for (const i of imgs) {
        if (i.getAttribute('src').endsWith('#dark')) continue;
        const shown = i.complete && i.naturalWidth > 0;
        if (shown) rec.loadedLight += 1;
        if (rec.light.length < 3) rec.light.push('frame ' + rec.frames + ': ' + i.getAttribute('src') + (shown ? ' (loaded)' : ''));
      }
    }
    if (loaded) after += 1;
    if (after < 5 && rec.frames < 3000) requestAnimationFrame(frame); else rec.done = true;
  };
  requestAnimationFrame(frame);
})()"#;

/// A dark page never paints a diagram in its light colours, not even while it loads: each
/// diagram has its dark address in every frame the browser renders, from the first. The load
/// is slowed (every request 100 ms later, the processor half as fast, no cache), so Chromium
/// paints the chapter while the scripts at the end of the page are still on their way: when the
/// address was switched by site.js (at the end of the page) the diagrams were loaded and shown
/// light in 3 to 7 frames (0.4-2 s) of every page. Coal, navy and ayu, both languages.
#[test]
fn dark_pages_never_paint_a_light_diagram_while_they_load() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    // The site's origin, whose localStorage holds the theme.
    b.goto(&format!("{}/en/index.html", *SERVER)).unwrap();
    b.send("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({"source": FIRST_PAINT_RECORDER})).unwrap();
    b.send("Network.enable", serde_json::json!({})).unwrap();
    b.send("Network.setCacheDisabled", serde_json::json!({"cacheDisabled": true})).unwrap();
    b.send(
        "Network.emulateNetworkConditions",
        serde_json::json!({"offline": false, "latency": 100, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .unwrap();
    b.send("Emulation.setCPUThrottlingRate", serde_json::json!({"rate": 2})).unwrap();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for (theme, lang) in [("coal", "ko"), ("navy", "en"), ("ayu", "ko")] {
        b.eval(&format!("localStorage.setItem('mdbook-theme', '{theme}')")).unwrap();
        let url = format!("{}/{lang}/ordinal-pods.html", *SERVER);
        b.goto(&url).unwrap();
        let r = b
            .wait_for("window.sbPaint && sbPaint.done && sbPaint", Duration::from_secs(30), &format!("{url}: the frames after its load"))
            .unwrap();
        let page = format!("{lang}/ordinal-pods.html ({theme})");
        assert_eq!(b.eval(&format!("document.documentElement.classList.contains('{theme}')")).unwrap(), Value::Bool(true), "{page}: not in {theme}");
        let (frames, with) = (r["frames"].as_u64().unwrap(), r["withDiagrams"].as_u64().unwrap());
        if with == 0 {
            problems.push(format!("{page}: no frame was rendered with the diagrams before the load ({frames} frames): nothing was checked"));
        }
        if r["light"].as_array().is_none_or(|l| !l.is_empty()) {
            problems.push(format!("{page}: diagrams with their light address in a dark theme ({} frames of a loaded one): {}", r["loadedLight"], r["light"]));
        }
        seen.push(format!("{page}: {frames} frames, {with} with diagrams before the load"));
    }
    println!("{}", seen.join("; "));
    assert!(problems.is_empty(), "light diagrams painted on dark pages:{}", crate::listed(&problems));
}

/// At a phone's width (390 px) no page of either language scrolls sideways as a whole: wide
/// code, tables and the playground's lists scroll inside their own boxes; the search dialog with
/// results and an enlarged diagram fit the screen.
#[test]
fn no_page_scrolls_sideways_at_390_px_in_both_languages() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    b.set_size(390, 844).unwrap();
    let mut wide = Vec::new();
    let mut checked = 0;
    for lang in xtask::site::LANGUAGES {
        for page in pages(lang) {
            b.goto(&format!("{}/{lang}/{page}", *SERVER)).unwrap();
            let w = b
                .eval("[document.documentElement.scrollWidth, document.documentElement.clientWidth, \
                       Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1) \
                       .filter(e => !e.closest('pre, .table-wrapper, .sts-pg-scroll')).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))]")
                .unwrap();
            assert_eq!(w[1], serde_json::json!(390), "{lang}/{page}: the viewport is not 390 px wide");
            if w[0].as_u64() > w[1].as_u64() || !w[2].as_array().unwrap().is_empty() {
                wide.push(format!("{lang}/{page}: {} px wide, past the edge: {}", w[0], w[2]));
            }
            checked += 1;
        }
        // The search dialog with its results (a long identifier among them) and an enlarged
        // diagram (mdBook's zoom) stay inside the screen: nothing of them past either edge.
        let words: [&str; 2] =
            if lang == "ko" { ["%ED%8C%8C%EB%93%9C", "volumeClaimTemplates"] } else { ["StatefulSet", "persistentVolumeClaimRetentionPolicy"] };
        let outside = |within: &str| {
            format!(
                "[document.documentElement.scrollWidth, Array.from(document.querySelectorAll('{within}')).filter(e => {{ const r = e.getBoundingClientRect(); \
                 return r.width > 0 && (r.left < -1 || r.right > document.documentElement.clientWidth + 1) && !e.closest('.sb-visually-hidden'); }}) \
                 .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + (e.textContent || '').trim().slice(0, 30))]"
            )
        };
        for word in words {
            let url = format!("{}/{lang}/ordinal-pods.html?search={word}", *SERVER);
            b.goto(&url).unwrap();
            b.wait_for(
                "!document.getElementById('sb-search').hidden && document.querySelectorAll('.pagefind-ui__result-title a').length",
                Duration::from_secs(30),
                &format!("the search results of {url}"),
            )
            .unwrap();
            let w = b.eval(&outside("#sb-search *")).unwrap();
            if w[0].as_u64() > Some(390) || !w[1].as_array().unwrap().is_empty() {
                wide.push(format!("{lang}: the search dialog for {word}: {} px wide, past the edge: {}", w[0], w[1]));
            }
            checked += 1;
        }
        b.goto(&format!("{}/{lang}/ordinal-pods.html", *SERVER)).unwrap();
        b.eval("document.querySelector('.content .checkbox-img').click()").unwrap();
        let w = b.eval(&outside(".content .checkbox-img:checked ~ .img-wrapper, .content .checkbox-img:checked ~ .img-wrapper *")).unwrap();
        let shown = b.eval("document.querySelector('.content .checkbox-img:checked ~ .img-wrapper > img').getBoundingClientRect().width").unwrap();
        assert!(shown.as_f64().unwrap_or(0.0) > 200.0, "{lang}: the enlarged diagram is not shown ({shown} px wide)");
        if w[0].as_u64() > Some(390) || !w[1].as_array().unwrap().is_empty() {
            wide.push(format!("{lang}: an enlarged diagram: {} px wide, past the edge: {}", w[0], w[1]));
        }
    }
    println!("{checked} pages and search dialogs at 390 px, {} wider", wide.len());
    assert!(wide.is_empty(), "pages that scroll sideways at 390 px:{}", crate::listed(&wide));
}
