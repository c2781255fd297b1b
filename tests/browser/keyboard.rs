//! The book with the keyboard alone, as a reader without a mouse or with a screen reader uses
//! it, in headless Chromium with real key presses (DevTools `Input.dispatchKeyEvent`):
//!
//! - Tab from the top of a Korean chapter and of the English workshop pages visits every tab
//!   stop of the page in document order and only leaves the page after the last one (focus is
//!   never lost to the page's start); the first stop is the skip link; on the way it reaches
//!   the language switch, the search, an instructor note (and the notes' toolbar), a quiz
//!   answer and the playground's controls. Each stop shows a focus ring of at least 2 px whose
//!   colour has 3:1 against what is behind it (WCAG 2.4.7, 1.4.11), is scrolled into view and
//!   has a role and a name in Chromium's accessibility tree (what a screen reader announces). The Korean chapter is walked in coal, the English pages in light and navy, and
//!   in the other themes (light, rust, ayu) each tab stop of the Korean chapter is focused in
//!   turn and checked the same way.
//! - Enter, Space and Escape operate what Tab reaches: the skip link, the search dialog (which
//!   keeps focus inside while open and gives it back on Escape, and turns the single-key
//!   shortcuts off and on), the notes, a quiz answer, an
//!   enlarged diagram, and the playground, whose redrawn rows, guide and action fields keep the
//!   reader's focus and whose actions are announced in a live region.
//! - Words of the other language carry their `lang` (English in Korean pages, Korean in
//!   English ones, in the pages and in the search results), and every diagram has a text
//!   alternative in the page's language.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::accessibility::SERVER;
use super::cdp::Browser;

/// In the page: `sbFocusStop()` describes the focused element (null when focus is on the page
/// itself), `sbTabStops()` counts the elements Tab must visit, without the keyboard.
const HELPER: &str = r#"(() => {
  // WCAG's relative luminance and contrast ratio of two CSS colours (rgb()/rgba()).
  const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // The colour around an element: its nearest ancestor's opaque background, else white.
  const behind = e => {
    for (let n = e.parentElement; n; n = n.parentElement) {
      const v = rgb(getComputedStyle(n).backgroundColor);
      if (v.length >= 3 && (v.length < 4 || v[3] > 0.9)) return getComputedStyle(n).backgroundColor;
    }
    return 'rgb(255, 255, 255)';
  };
  const kind = e => {
    if (e.classList.contains('sb-skip')) return 'skip link';
    if (e.matches('.sb-lang a[hreflang]')) return 'language switch';
    if (e.id === 'sb-search-toggle') return 'search';
    if (e.matches('details.instructor-notes > summary')) return 'instructor note';
    if (e.closest('.workshop-notes-bar')) return 'notes toolbar';
    if (e.matches('details.quiz-answer > summary') || (e.matches('summary') && /^(Answer|정답)$/.test(e.textContent.trim()))) return 'quiz answer';
    if (e.closest('.sts-playground')) return 'playground';
    if (e.closest('#mdbook-sidebar')) return 'sidebar';
    if (e.closest('#mdbook-menu-bar')) return 'menu bar';
    if (e.closest('main')) return 'chapter';
    if (e.closest('nav')) return 'chapter navigation';
    return 'other';
  };
  const name = e => (e.getAttribute('aria-label') || (e.labels && e.labels.length ? e.labels[0].textContent : '')
    || e.textContent || e.title || '').trim().replace(/\s+/g, ' ');
  // Inside a folded <details>, only its summary is shown.
  const folded = e => { for (let d = e.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) {
    if (!d.open && !(d.querySelector(':scope > summary') || { contains: () => false }).contains(e)) return true; } return false; };
  let previous = null;
  window.sbFocusReset = () => { previous = null; return true; };
  window.sbFocusStop = () => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) { previous = null; return null; }
    // mdBook's zoom checkbox is invisible: its image shows the ring.
    const shown = e.classList.contains('checkbox-img') ? e.nextElementSibling : e;
    const cs = getComputedStyle(shown);
    const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 ? cs.outlineColor : null;
    const r = shown.getBoundingClientRect();
    const inOrder = previous === null || !!(previous.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
    previous = e;
    return {
      kind: kind(e),
      what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.dataset.pgDo ? '[' + e.dataset.pgDo + ']' : ''),
      name: name(e).slice(0, 60), ring: ring || '', against: behind(shown),
      contrast: ring ? Math.round(ratio(ring, behind(shown)) * 100) / 100 : 0,
      shadow: cs.boxShadow !== 'none',
      inView: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
      inOrder,
    };
  };
  window.sbTabStopList = () => Array.from(document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]'))
    .filter(e => e.tabIndex >= 0 && !e.disabled && !e.closest('[hidden], [inert]') && !folded(e)
      && (e.getClientRects().length > 0 || e.classList.contains('checkbox-img')) && getComputedStyle(e).visibility !== 'hidden');
  window.sbTabStops = () => sbTabStopList().length;
  // Each tab stop focused in turn (after a Tab, so the browser shows focus as for the keyboard).
  window.sbEveryStop = () => { previous = null; return sbTabStopList().map(e => { e.focus(); return sbFocusStop(); }); };
  return true;
})()"#;

/// One key pressed and released on the focused element: "Tab", "Enter", " ", "Escape".
fn press(b: &mut Browser, key: &str, shift: bool) {
    let (code, vk, text) = match key {
        "Tab" => ("Tab", 9, ""),
        "Enter" => ("Enter", 13, "\r"),
        " " => ("Space", 32, " "),
        "Escape" => ("Escape", 27, ""),
        other => panic!("no key {other}"),
    };
    for kind in ["keyDown", "keyUp"] {
        let mut params = json!({"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": if shift { 8 } else { 0 }});
        if kind == "keyDown" && !text.is_empty() {
            params["text"] = Value::from(text);
        }
        b.send("Input.dispatchKeyEvent", params).unwrap();
    }
}

/// A printable key typed on the focused element ("s", "/", "?").
fn type_key(b: &mut Browser, ch: &str) {
    for kind in ["keyDown", "keyUp"] {
        let mut params = json!({"type": kind, "key": ch});
        if kind == "keyDown" {
            params["text"] = Value::from(ch);
        }
        b.send("Input.dispatchKeyEvent", params).unwrap();
    }
}

/// Opens `/<lang>/<page>` in `theme`, waits for its playground panels, loads the helper.
fn open(b: &mut Browser, lang: &str, page: &str, theme: &str) -> String {
    let url = format!("{}/{lang}/{page}", *SERVER);
    b.goto(&url).unwrap();
    if b.eval(&format!("localStorage.getItem('mdbook-theme') === '{theme}'")).unwrap() != Value::Bool(true) {
        b.eval(&format!("localStorage.setItem('mdbook-theme', '{theme}')")).unwrap();
        b.goto(&url).unwrap();
    }
    b.wait_for(
        &format!("document.documentElement.classList.contains('{theme}') && Array.from(document.querySelectorAll('.sts-playground')).every(e => e.dataset.ready === 'true')"),
        Duration::from_secs(30),
        &format!("{url} in {theme} with its panels loaded"),
    )
    .unwrap();
    b.eval(HELPER).unwrap();
    format!("{lang}/{page} ({theme})")
}

/// The focused element as Chromium's accessibility tree gives it to a screen reader: its role
/// and its computed name.
fn accessible(b: &mut Browser) -> (String, String) {
    let r = b.send("Runtime.evaluate", json!({"expression": "document.activeElement", "returnByValue": false})).unwrap();
    let Some(id) = r["result"]["objectId"].as_str() else { return (String::new(), String::new()) };
    let tree = b.send("Accessibility.getPartialAXTree", json!({"objectId": id, "fetchRelatives": false})).unwrap();
    let node = &tree["nodes"][0];
    let text = |v: &Value| v["value"].as_str().unwrap_or("").trim().to_owned();
    (text(&node["role"]), text(&node["name"]))
}

/// What is wrong with one focused element: no ring (or under 3:1), off screen, out of
/// document order, no name.
fn stop_problems(page: &str, n: usize, stop: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let at = format!("{page}, stop {n} ({} {} {:?})", stop["kind"].as_str().unwrap(), stop["what"].as_str().unwrap(), stop["name"].as_str().unwrap());
    if stop["ring"] == "" && stop["shadow"] != true {
        problems.push(format!("{at}: no visible focus (no 2 px outline, no box-shadow)"));
    } else if stop["ring"] != "" && stop["contrast"].as_f64().unwrap() < 3.0 {
        problems.push(format!("{at}: focus ring {} has {}:1 against {}, under 3:1", stop["ring"], stop["contrast"], stop["against"]));
    }
    if stop["inView"] != true {
        problems.push(format!("{at}: focused but not on screen"));
    }
    if stop["inOrder"] != true {
        problems.push(format!("{at}: reached out of document order"));
    }
    if stop["name"] == "" || stop["axName"] == "" {
        problems.push(format!("{at}: has no name (as a screen reader gets it: role {:?}, name {:?})", stop["axRole"], stop["axName"]));
    }
    // A control is announced as what it is (link, button, checkbox, …), not as text or a group.
    if stop["axRole"] == "generic" || stop["axRole"] == "none" || stop["axRole"] == "StaticText" {
        problems.push(format!("{at}: announced with the role {:?}", stop["axRole"]));
    }
    problems
}

/// Tab from the top of the page until focus leaves it: each stop reached, and the problems.
fn walk(b: &mut Browser, page: &str, must_reach: &[&str]) -> (Vec<Value>, Vec<String>) {
    let expected = b.eval("sbTabStops()").unwrap().as_u64().unwrap() as usize;
    let mut stops: Vec<Value> = Vec::new();
    let mut problems = Vec::new();
    for _ in 0..expected + 5 {
        press(b, "Tab", false);
        let mut stop = b.eval("sbFocusStop()").unwrap();
        if stop.is_null() {
            break;
        }
        let (role, name) = accessible(b);
        stop["axRole"] = Value::from(role);
        stop["axName"] = Value::from(name);
        problems.extend(stop_problems(page, stops.len() + 1, &stop));
        stops.push(stop);
    }
    if stops.len() != expected {
        let last = stops.last().map(|s| format!("{} {:?}", s["what"], s["name"])).unwrap_or_default();
        problems.push(format!("{page}: Tab visited {} of the page's {expected} tab stops, then focus left the page (after {last})", stops.len()));
    }
    if stops.first().map(|s| s["kind"] != "skip link").unwrap_or(true) {
        problems.push(format!("{page}: the first tab stop is not the skip link: {:?}", stops.first()));
    }
    for kind in must_reach {
        if !stops.iter().any(|s| s["kind"] == *kind) {
            problems.push(format!("{page}: Tab never reaches the {kind}"));
        }
    }
    (stops, problems)
}

/// Tab through a Korean chapter in every theme and through the English workshop pages: every
/// tab stop, in document order, focus never lost, a visible ring with 3:1 on each, and the
/// reader's controls all reached.
#[test]
fn tab_reaches_every_control_in_order_with_a_visible_focus_in_every_theme() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut counts = Vec::new();
    let chapter = ["skip link", "language switch", "search", "instructor note", "notes toolbar", "quiz answer", "playground", "sidebar", "chapter"];
    let walks: Vec<(&str, &str, &str, &[&str])> = vec![
        ("ko", "ordinal-pods.html", "coal", &chapter),
        ("en", "workshop/index.html", "light", &["skip link", "language switch", "search", "instructor note", "notes toolbar"]),
        ("en", "workshop/quizzes.html", "navy", &["skip link", "language switch", "search", "quiz answer"]),
    ];
    for (lang, page, theme, must) in walks {
        let page = open(b, lang, page, theme);
        let (stops, found) = walk(b, &page, must);
        let min = stops.iter().filter_map(|s| s["contrast"].as_f64()).fold(f64::INFINITY, f64::min);
        counts.push(format!("{page}: {} stops, lowest ring contrast {min}:1", stops.len()));
        problems.extend(found);
    }
    // The other themes: every tab stop of the Korean chapter focused in turn after a Tab.
    for theme in ["light", "rust", "ayu"] {
        let page = open(b, "ko", "ordinal-pods.html", theme);
        press(b, "Tab", false);
        let stops = b.eval("sbEveryStop()").unwrap();
        let stops = stops.as_array().unwrap();
        for (i, stop) in stops.iter().enumerate() {
            problems.extend(stop_problems(&page, i + 1, stop));
        }
        let min = stops.iter().filter_map(|s| s["contrast"].as_f64()).fold(f64::INFINITY, f64::min);
        counts.push(format!("{page}: {} stops focused, lowest ring contrast {min}:1", stops.len()));
        assert!(stops.len() > 100, "{page}: only {} tab stops", stops.len());
    }
    println!("{} in {:.1} s", counts.join("; "), started.elapsed().as_secs_f64());
    assert!(problems.is_empty(), "keyboard focus problems:{}", crate::listed(&problems));
}

/// What the focused element is, for the assertions below.
fn focused(b: &mut Browser) -> Value {
    b.eval("(() => { const e = document.activeElement; return e === document.body ? 'body' : e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.dataset.pgDo ? '[' + e.dataset.pgDo + ']' : '') + (e.dataset.pgIn ? '{' + e.dataset.pgIn + '}' : '') + ' ' + (e.getAttribute('aria-label') || e.textContent.trim().slice(0, 40)); })()")
        .unwrap()
}

fn focus(b: &mut Browser, selector: &str) {
    let sel = serde_json::to_string(selector).unwrap();
    let ok = b.eval(&format!("(() => {{ const e = document.querySelector({sel}); if (!e) return false; e.scrollIntoView({{block: 'center'}}); e.focus(); return document.activeElement === e; }})()")).unwrap();
    assert_eq!(ok, Value::Bool(true), "cannot focus {selector}");
}

/// Enter, Space and Escape on what Tab reaches, on the Korean chapter (coal): the skip link, the
/// search dialog, an instructor note and the notes' toolbar, a quiz answer, an enlarged diagram,
/// and the playground (its guided step, a pod's button while time runs, an action's field).
#[test]
fn the_keyboard_operates_skip_link_search_notes_quizzes_diagrams_and_the_playground() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    let page = open(b, "ko", "ordinal-pods.html", "coal");

    // Headings: the chapter's title is the page's only first-level heading (mdBook's menu bar
    // title is not one), and the playground's sections sit one level under the chapter's
    // section that holds the panel.
    let headings = b
        .eval("[document.querySelectorAll('h1:not([role=presentation])').length, \
               Array.from(document.querySelectorAll('.sts-playground h4')).map(h => h.getAttribute('aria-level'))]")
        .unwrap();
    assert_eq!(headings[0], json!(1), "{page}: first-level headings");
    assert!(headings[1].as_array().unwrap().len() >= 7 && headings[1].as_array().unwrap().iter().all(|l| l == "3"), "{page}: the panels' heading levels: {}", headings[1]);

    // The skip link: Enter moves focus to the chapter; the next Tab is inside it.
    press(b, "Tab", false);
    assert!(focused(b).as_str().unwrap().contains("본문으로 건너뛰기"), "{page}: first Tab on {}", focused(b));
    press(b, "Enter", false);
    assert_eq!(b.eval("document.activeElement === document.querySelector('main')").unwrap(), Value::Bool(true), "{page}: Enter on the skip link left focus on {}", focused(b));
    press(b, "Tab", false);
    assert_eq!(b.eval("!!document.activeElement.closest('main')").unwrap(), Value::Bool(true), "{page}: Tab after the skip link went to {}", focused(b));

    // The search: Enter opens the dialog with focus in its field; Tab and Shift+Tab stay in it;
    // Escape closes it and gives focus back to the button.
    focus(b, "#sb-search-toggle");
    press(b, "Enter", false);
    b.wait_for("!document.getElementById('sb-search').hidden && document.activeElement.matches('#sb-search .pagefind-ui__search-input')", Duration::from_secs(15), "the search field focused")
        .unwrap();
    b.send("Input.insertText", json!({"text": "파드"})).unwrap();
    b.wait_for("document.querySelectorAll('#sb-search .pagefind-ui__result').length > 0", Duration::from_secs(15), "search results").unwrap();
    // The number of results is said in a status region (Pagefind only shows it).
    b.wait_for(
        "(() => { const s = document.querySelector('#sb-search [role=status]'); return s && /결과/.test(s.textContent) && s.textContent === document.querySelector('.pagefind-ui__message').textContent.trim(); })()",
        Duration::from_secs(5),
        "the results' count in the search dialog's status region",
    )
    .unwrap();
    let inside = "document.getElementById('sb-search').contains(document.activeElement)";
    b.eval("sbFocusReset()").unwrap();
    let mut problems = Vec::new();
    for n in 1..=6 {
        press(b, "Tab", false);
        assert_eq!(b.eval(inside).unwrap(), Value::Bool(true), "{page}: Tab left the open search dialog for {}", focused(b));
        // Pagefind's field, clear button and results show the same ring.
        let mut stop = b.eval("sbFocusStop()").unwrap();
        let (role, name) = accessible(b);
        stop["axRole"] = Value::from(role);
        stop["axName"] = Value::from(name);
        problems.extend(stop_problems(&format!("{page}, search dialog"), n, &stop));
    }
    assert!(problems.is_empty(), "{}", crate::listed(&problems));
    // From the first control (the close button) Shift+Tab goes round to the last, Tab back.
    focus(b, "#sb-search .pagefind-ui__search-input");
    press(b, "Tab", true);
    assert!(focused(b).as_str().unwrap().contains("검색 닫기"), "{page}: Shift+Tab from the search field reached {}", focused(b));
    press(b, "Tab", true);
    assert_eq!(b.eval(inside).unwrap(), Value::Bool(true), "{page}: Shift+Tab from the dialog's first control left it for {}", focused(b));
    press(b, "Tab", false);
    assert!(focused(b).as_str().unwrap().contains("검색 닫기"), "{page}: Tab from the dialog's last control reached {}", focused(b));
    press(b, "Escape", false);
    b.wait_for("document.getElementById('sb-search').hidden && document.activeElement.id === 'sb-search-toggle'", Duration::from_secs(5), "Escape to close the search and focus its button")
        .unwrap();

    // The single-key shortcuts (S and / open the search, ? mdBook's help) can be turned off in
    // the search dialog, and on again (WCAG 2.1.4).
    let search_open = "!document.getElementById('sb-search').hidden";
    let help_open = "getComputedStyle(document.getElementById('mdbook-help-container')).display !== 'none'";
    press(b, "Enter", false);
    b.wait_for(search_open, Duration::from_secs(5), "the search to open again").unwrap();
    focus(b, "#sb-shortcuts");
    press(b, " ", false);
    assert_eq!(b.eval("[document.getElementById('sb-shortcuts').checked, localStorage.getItem('sb-shortcuts')]").unwrap(), json!([false, "off"]));
    press(b, "Escape", false);
    b.eval("document.activeElement.blur()").unwrap();
    for key in ["s", "/", "?"] {
        type_key(b, key);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(b.eval(&format!("[{search_open}, {help_open}]")).unwrap(), json!([false, false]), "{page}: {key:?} with the shortcuts off");
    }
    focus(b, "#sb-search-toggle");
    press(b, "Enter", false);
    b.wait_for(search_open, Duration::from_secs(5), "the search to open by its button").unwrap();
    focus(b, "#sb-shortcuts");
    press(b, " ", false);
    press(b, "Escape", false);
    b.eval("document.activeElement.blur()").unwrap();
    type_key(b, "/");
    b.wait_for(search_open, Duration::from_secs(5), "/ to open the search with the shortcuts on").unwrap();
    press(b, "Escape", false);

    // An instructor note opens with Enter; the toolbar's button opens them all with a space.
    focus(b, "details.instructor-notes > summary");
    press(b, "Enter", false);
    assert_eq!(b.eval("document.querySelector('details.instructor-notes').open").unwrap(), Value::Bool(true), "{page}: Enter on an instructor note");
    assert_eq!(accessible(b).1, "강사 노트", "{page}: an instructor note's name as a screen reader gets it");
    b.eval("document.querySelectorAll('details.instructor-notes').forEach(d => d.open = false)").unwrap();
    focus(b, ".workshop-notes-bar button");
    press(b, " ", false);
    let all = b.eval("[Array.from(document.querySelectorAll('details.instructor-notes')).every(d => d.open), document.querySelector('.workshop-notes-bar button').getAttribute('aria-pressed')]").unwrap();
    assert_eq!(all, json!([true, "true"]), "{page}: a space on the notes toolbar's button");

    // A quiz answer opens with a space.
    let quiz = b
        .eval("(() => { const s = Array.from(document.querySelectorAll('main details > summary')).find(s => s.textContent.trim() === '정답'); \
               if (!s) return false; s.id = 'sb-test-quiz'; return true; })()")
        .unwrap();
    assert_eq!(quiz, Value::Bool(true), "{page}: no quiz answer (a summary 정답)");
    focus(b, "#sb-test-quiz");
    press(b, " ", false);
    assert_eq!(b.eval("document.getElementById('sb-test-quiz').parentElement.open").unwrap(), Value::Bool(true), "{page}: a space on a quiz answer");

    // A diagram: a space enlarges it, Escape puts it back; the checkbox says what it does.
    focus(b, ".content .checkbox-img");
    press(b, " ", false);
    assert_eq!(b.eval("[document.activeElement.checked, document.activeElement.getAttribute('aria-label')]").unwrap(), json!([true, "그림 크게 보기"]));
    press(b, "Escape", false);
    assert_eq!(b.eval("document.activeElement.checked").unwrap(), Value::Bool(false), "{page}: Escape on an enlarged diagram");

    // The playground: Enter on the guided step runs it, announces the command, and focus
    // stays on the guide's button though the guide is redrawn.
    let pg = ".sts-playground[data-scenario='ordinal-pods']";
    focus(b, &format!("{pg} [data-pg-do=nextStep]"));
    press(b, "Enter", false);
    b.wait_for(&format!("document.querySelector(\"{pg} [data-pg=announce]\").textContent.includes('kubectl apply')"), Duration::from_secs(10), "the step announced")
        .unwrap();
    let now = focused(b);
    assert!(now.as_str().unwrap().starts_with("button[nextStep]"), "{page}: after Enter on the guided step, focus is on {now}");
    // A pod's button keeps focus while time runs and the pods' table is redrawn.
    b.wait_for(&format!("document.querySelector(\"{pg} [data-pg-do=deletePod][data-pg-arg='web-0']\")"), Duration::from_secs(10), "web-0's buttons").unwrap();
    focus(b, &format!("{pg} [data-pg-do=deletePod][data-pg-arg='web-0']"));
    let before = b.eval(&format!("document.querySelector(\"{pg} [data-pg=pods]\").innerHTML")).unwrap();
    b.eval(&format!("document.querySelector(\"{pg}\").playground.advance(30)")).unwrap();
    let after = b.eval(&format!("document.querySelector(\"{pg} [data-pg=pods]\").innerHTML")).unwrap();
    assert_ne!(before, after, "{page}: the pods' table did not change in 30 simulated seconds");
    assert_eq!(focused(b), "button[deletePod] 파드 web-0 삭제", "{page}: focus after the pods' table was redrawn");
    // Enter deletes the pod; focus stays in the pods' table.
    press(b, "Enter", false);
    b.wait_for(&format!("document.querySelector(\"{pg} [data-pg=announce]\").textContent.includes('kubectl delete pod web-0')"), Duration::from_secs(5), "the deletion announced")
        .unwrap();
    assert_eq!(b.eval(&format!("document.querySelector(\"{pg} [data-pg=pods]\").contains(document.activeElement)")).unwrap(), Value::Bool(true), "{page}: focus after deleting web-0 is on {}", focused(b));
    // Enter in the replicas field scales, as the Scale button does; focus stays on the field.
    focus(b, &format!("{pg} [data-pg-in=replicas]"));
    b.type_into(&format!("{pg} [data-pg-in=replicas]"), "4").unwrap();
    press(b, "Enter", false);
    b.wait_for(&format!("document.querySelector(\"{pg} [data-pg=announce]\").textContent.includes('--replicas=4')"), Duration::from_secs(5), "the scale announced")
        .unwrap();
    let now = focused(b);
    assert!(now.as_str().unwrap().starts_with("input{replicas}"), "{page}: after Enter in the replicas field, focus is on {now}");
    let named = b.eval(&format!("Array.from(document.querySelectorAll(\"{pg} input, {pg} select, {pg} textarea\")).filter(e => !e.getAttribute('aria-label') && !(e.labels && e.labels.length)).map(e => e.outerHTML)")).unwrap();
    assert_eq!(named, json!([]), "{page}: the playground's fields without a name");
    // The manifest editor: Tab goes into the text and out of it to Apply (no trap).
    focus(b, &format!("{pg} .sts-pg-editor > summary"));
    press(b, "Enter", false);
    press(b, "Tab", false);
    assert!(focused(b).as_str().unwrap().starts_with("textarea"), "{page}: Tab into the manifest editor reached {}", focused(b));
    press(b, "Tab", false);
    assert!(focused(b).as_str().unwrap().starts_with("button[apply]"), "{page}: Tab out of the manifest editor reached {}", focused(b));
}

/// Words of the other language carry their `lang`: English runs in Korean pages (StatefulSet,
/// kubectl, Running and Ready, the theme picker's names, the playground's objects) and Korean in
/// English pages (the language switch, the glossary's terms); code without Hangul is English;
/// and the search dialog's results, drawn by Pagefind, follow the same rule.
#[test]
fn words_of_the_other_language_carry_their_lang() {
    let (_one, mut browser) = super::playground::session();
    let b = &mut browser;
    let mut problems = Vec::new();
    for (lang, page, other, min) in [("ko", "ordinal-pods.html", "en", 200), ("ko", "appendix/glossary.html", "en", 50), ("en", "appendix/glossary.html", "ko", 20), ("en", "ordinal-pods.html", "ko", 1)] {
        let page = open(b, lang, page, "light");
        if lang == "ko" {
            // What the playground draws later is marked too.
            b.eval("Promise.all(Array.from(document.querySelectorAll('.sts-playground')).map(e => e.playground.nextStep()))").unwrap();
        }
        let pattern = if lang == "ko" { "/[A-Za-z]{2}/" } else { "/[\\u3130-\\u318f\\uac00-\\ud7af]/" };
        let found = b
            .eval(&format!(
                "(() => {{ const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); const bad = []; let marked = 0;
                   for (let n = w.nextNode(); n; n = w.nextNode()) {{
                     const p = n.parentElement;
                     if (!p || p.closest('script, style, noscript, textarea, svg, title') || !{pattern}.test(n.data)) continue;
                     const l = p.closest('[lang]');
                     if (l && l.getAttribute('lang') === '{other}') {{ marked += 1; continue; }}
                     bad.push(p.tagName.toLowerCase() + ': ' + n.data.trim().slice(0, 60));
                   }}
                   return [marked, bad.slice(0, 10), bad.length]; }})()"
            ))
            .unwrap();
        let marked = found[0].as_u64().unwrap();
        if marked < min {
            problems.push(format!("{page}: only {marked} fragments in lang={other}"));
        }
        if found[2] != 0 {
            problems.push(format!("{page}: {} text fragments of the other language without lang={other}: {}", found[2], found[1]));
        }
    }
    // Pagefind's results (titles, sections, excerpts) as the search dialog draws them, and again
    // once a second search has redrawn them in place (Svelte writes new text into the nodes it
    // made): every fragment of the other language marked, and the text shown still Pagefind's
    // own for that search (nothing stale or doubled by the marking).
    let check = |lang: &str| {
        let (other, pattern) = if lang == "ko" { ("en", "/[A-Za-z]{2}/") } else { ("ko", "/[\\u3130-\\u318f\\uac00-\\ud7af]/") };
        format!(
            "(async () => {{
               const box = document.querySelector('#sb-search-ui .pagefind-ui__results');
               const w = document.createTreeWalker(box, NodeFilter.SHOW_TEXT); const bad = []; let marked = 0;
               for (let n = w.nextNode(); n; n = w.nextNode()) {{
                 if (!{pattern}.test(n.data)) continue;
                 const l = n.parentElement.closest('[lang]');
                 if (l && l.getAttribute('lang') === '{other}') marked += 1; else bad.push(n.data.trim().slice(0, 60));
               }}
               const q = document.querySelector('#sb-search-ui input').value;
               const pf = await import(new URL(path_to_root + 'pagefind/pagefind.js', location.href).href);
               const found = await pf.search(q);
               const data = await Promise.all(found.results.slice(0, 5).map(r => r.data()));
               const text = h => {{ const d = document.createElement('div'); d.innerHTML = h; return d.textContent; }};
               const stale = [];
               Array.from(document.querySelectorAll('#sb-search-ui .pagefind-ui__result')).slice(0, 5).forEach((li, i) => {{
                 const d = data[i];
                 const title = li.querySelector('.pagefind-ui__result-inner > .pagefind-ui__result-title').textContent.trim();
                 if (title !== d.meta.title) stale.push('title ' + title);
                 const sections = new Set(d.sub_results.map(s => s.title));
                 const excerpts = new Set([d.excerpt, ...d.sub_results.map(s => s.excerpt)].map(text));
                 li.querySelectorAll('.pagefind-ui__result-nested .pagefind-ui__result-title').forEach(e => {{ if (!sections.has(e.textContent.trim())) stale.push('section ' + e.textContent.trim()); }});
                 li.querySelectorAll('.pagefind-ui__result-excerpt').forEach(e => {{ if (!excerpts.has(e.textContent)) stale.push('excerpt ' + e.textContent.slice(0, 60)); }});
               }});
               return {{ q, marked, bad: bad.slice(0, 5), unmarked: bad.length, stale: stale.slice(0, 5), stales: stale.length }};
             }})()"
        )
    };
    let settled = |word: &str| {
        format!(
            "(() => {{ const m = document.querySelector('#sb-search-ui .pagefind-ui__message'); \
             return !!m && m.textContent.includes({word:?}) && !document.querySelector('#sb-search-ui .pagefind-ui__loading') \
             && document.querySelectorAll('#sb-search-ui .pagefind-ui__result-title a').length > 0; }})()"
        )
    };
    for (lang, first, second, min) in [("ko", "StatefulSet", "kubectl", 50), ("en", "스테이트풀셋", "glossary", 2)] {
        let url = format!("{}/{lang}/ordinal-pods.html", *SERVER);
        b.goto(&url).unwrap();
        b.eval("document.getElementById('sb-search-toggle').click()").unwrap();
        for word in [first, second] {
            b.wait_for("!!document.querySelector('#sb-search-ui input')", Duration::from_secs(20), &format!("{url}: the search field")).unwrap();
            b.type_into("#sb-search-ui input", word).unwrap();
            b.wait_for(&settled(word), Duration::from_secs(20), &format!("{url}: the results for {word}")).unwrap();
            // Each result's text arrives on its own: the last one checked once all have settled.
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut found = b.eval(&check(lang)).unwrap();
            while (found["unmarked"] != 0 || found["stales"] != 0) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(300));
                found = b.eval(&check(lang)).unwrap();
            }
            let at = format!("{lang} search for {word}");
            if found["marked"].as_u64().unwrap_or(0) < min {
                problems.push(format!("{at}: only {} fragments of the other language marked in the results", found["marked"]));
            }
            if found["unmarked"] != 0 {
                problems.push(format!("{at}: {} fragments of the other language without their lang in the results: {}", found["unmarked"], found["bad"]));
            }
            if found["stales"] != 0 {
                problems.push(format!("{at}: {} results show other text than Pagefind's: {}", found["stales"], found["stale"]));
            }
        }
    }
    assert!(problems.is_empty(), "{}", crate::listed(&problems));
}

/// Every diagram (and every other image in a chapter) has a text alternative in its page's
/// language: Korean pages' alt texts are Korean, English pages' hold no Hangul.
#[test]
fn every_diagram_has_a_text_alternative_in_the_pages_language() {
    let site = crate::site();
    let mut problems = Vec::new();
    let mut checked = 0;
    for lang in xtask::site::LANGUAGES {
        for page in xtask::site::html_pages(&site.out_dir.join(lang)) {
            let html = std::fs::read_to_string(site.out_dir.join(lang).join(&page)).unwrap();
            for img in xtask::html::start_tags(&html).into_iter().filter(|t| t.name == "img") {
                let src = img.attr("src").unwrap_or("").to_owned();
                let alt = img.attr("alt").unwrap_or("").trim().to_owned();
                let korean = alt.chars().any(|c| ('\u{ac00}'..='\u{d7af}').contains(&c));
                checked += 1;
                if alt.chars().count() < 10 {
                    problems.push(format!("{lang}/{page}: {src} has no text alternative ({alt:?})"));
                } else if korean != (lang == "ko") {
                    problems.push(format!("{lang}/{page}: {src}'s alt is not in the page's language: {alt}"));
                }
            }
        }
    }
    println!("{checked} images checked");
    assert!(checked > 40, "only {checked} images in both languages");
    assert!(problems.is_empty(), "{}", crate::listed(&problems));
}
