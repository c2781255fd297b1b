//! A headless Chromium driven over the DevTools protocol (CDP), enough for the book's page
//! tests: open a page at a window size, evaluate JavaScript (awaiting promises), click an
//! element with real mouse events, type text, take a screenshot.
//!
//! Chromium comes from Debian's `chromium-headless-shell` package (or `chromium`): when
//! neither is installed and the tests run as root with apt-get, they install it (once per
//! machine, with a progress line); otherwise they fail with the command to run.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

/// The Debian package the tests install when no Chromium is found.
pub const PACKAGE: &str = "chromium-headless-shell";

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// The Chromium binary: `$STS_CHROMIUM`, else the first of chromium-headless-shell, chromium,
/// chromium-browser, google-chrome on `PATH`; installs [`PACKAGE`] with apt-get when none is.
pub fn chromium() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("STS_CHROMIUM") {
        return Ok(PathBuf::from(p));
    }
    let find = || ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"].iter().find_map(|n| on_path(n));
    if let Some(p) = find() {
        return Ok(p);
    }
    let root = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false);
    let how = format!("install Debian's {PACKAGE} (`apt-get install -y {PACKAGE}`), or set STS_CHROMIUM to a Chromium or Chrome binary");
    if !root || on_path("apt-get").is_none() {
        return Err(format!("the browser tests need a headless Chromium and none was found: {how}"));
    }
    xtask::say(format!("browser tests: no Chromium found; installing {PACKAGE} with apt-get (once per machine)"));
    let started = Instant::now();
    let install = |update: bool| {
        if update {
            let _ = Command::new("apt-get").args(["update", "-q"]).stdin(Stdio::null()).stdout(Stdio::null()).status();
        }
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", PACKAGE])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
    };
    let mut out = install(false);
    if !matches!(&out, Ok(o) if o.status.success()) {
        out = install(true);
    }
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => return Err(format!("`apt-get install -y {PACKAGE}` failed ({}):\n{}\n{how}", o.status, String::from_utf8_lossy(&o.stderr))),
        Err(e) => return Err(format!("cannot run apt-get: {e}; {how}")),
    }
    xtask::say(format!("browser tests: {PACKAGE} installed in {}", xtask::fmt_duration(started.elapsed())));
    find().ok_or_else(|| format!("{PACKAGE} was installed but no Chromium binary is on PATH; {how}"))
}

/// A running headless Chromium with one page.
pub struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    profile: PathBuf,
}

impl Drop for Browser {
    /// Ends Chromium and every process it started: Debian's `chromium-headless-shell` is a
    /// shell script around the binary, and the browser runs helper processes, so the whole
    /// process group (made at spawn) is killed, not just the child.
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        // procps' kill reads `-KILL -123` as two options: `--` before the group.
        let _ = Command::new("kill").args(["-s", "KILL", "--"]).arg(format!("-{}", self.child.id())).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Starts Chromium with a fresh profile and opens a blank page of `width` × `height`.
    pub fn start(width: u32, height: u32) -> Result<Browser, String> {
        let bin = chromium()?;
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile = std::env::temp_dir().join(format!("sts-chromium-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let mut child = Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={width},{height}"))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, which Drop kills whole.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(i) = line.find("ws://") {
                    let _ = tx.send(line[i..].trim().to_owned());
                    sent = true;
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(30)).map_err(|_| {
            let _ = child.kill();
            format!("{} printed no DevTools address within 30 s", bin.display())
        })?;
        let (ws, _) = tungstenite::connect(url.as_str()).map_err(|e| format!("cannot connect to {url}: {e}"))?;
        let mut b = Browser { child, ws, session: String::new(), next_id: 0, profile };
        let target = b.send_raw(None, "Target.createTarget", json!({"url": "about:blank"}))?;
        let target_id = target["targetId"].as_str().ok_or("no targetId")?.to_owned();
        let attached = b.send_raw(None, "Target.attachToTarget", json!({"targetId": target_id, "flatten": true}))?;
        b.session = attached["sessionId"].as_str().ok_or("no sessionId")?.to_owned();
        b.send("Page.enable", json!({}))?;
        b.send("Runtime.enable", json!({}))?;
        b.set_size(width, height)?;
        Ok(b)
    }

    fn send_raw(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string())).map_err(|e| format!("{method}: {e}"))?;
        loop {
            let m = self.ws.read().map_err(|e| format!("{method}: {e}"))?;
            let Message::Text(text) = m else { continue };
            let v: Value = serde_json::from_str(text.as_str()).map_err(|e| format!("{method}: {e}"))?;
            if v["id"].as_u64() == Some(id) {
                if let Some(err) = v.get("error") {
                    return Err(format!("{method}: {err}"));
                }
                return Ok(v["result"].clone());
            }
        }
    }

    /// One CDP command on the page.
    pub fn send(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.send_raw(Some(&session), method, params)
    }

    /// The viewport: `width` CSS pixels wide (a phone is 390).
    pub fn set_size(&mut self, width: u32, height: u32) -> Result<(), String> {
        self.send(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        )?;
        Ok(())
    }

    /// Opens `url` and waits until the document has loaded.
    pub fn goto(&mut self, url: &str) -> Result<(), String> {
        self.send("Page.navigate", json!({"url": url}))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = self.eval("document.readyState").unwrap_or(Value::Null);
            let here = self.eval("location.href").unwrap_or(Value::Null);
            if state == "complete" && here.as_str().is_some_and(|h| h.starts_with(url.split('#').next().unwrap_or(url))) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{url} did not load within 30 s (readyState {state}, at {here})"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Evaluates a JavaScript expression in the page, awaiting a promise, and returns its
    /// value as JSON. A thrown error is an `Err` with the page's message.
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let r = self.send(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true, "userGesture": true}),
        )?;
        if let Some(ex) = r.get("exceptionDetails") {
            let text = ex["exception"]["description"].as_str().or(ex["text"].as_str()).unwrap_or("exception").to_owned();
            return Err(format!("{text}\n  in: {}", expression.chars().take(300).collect::<String>()));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Clicks the element `selector` names, as a reader would: scrolled into view, a mouse
    /// press and release at its centre.
    pub fn click(&mut self, selector: &str) -> Result<(), String> {
        let sel = serde_json::to_string(selector).unwrap();
        let at = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2, r.width, r.height]; }})()"
        ))?;
        let Some(a) = at.as_array() else { return Err(format!("no element {selector} to click")) };
        let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
        if a[2].as_f64() == Some(0.0) {
            return Err(format!("{selector} is not visible (zero width)"));
        }
        // The element under the pointer must be the one asked for (not covered by another).
        let hit = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); const h = document.elementFromPoint({x}, {y}); return !!h && (h === e || e.contains(h)); }})()"
        ))?;
        if hit != Value::Bool(true) {
            return Err(format!("{selector} is covered by another element at ({x:.0}, {y:.0})"));
        }
        for (kind, buttons) in [("mouseMoved", 0), ("mousePressed", 1), ("mouseReleased", 0)] {
            self.send(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons, "clickCount": 1}),
            )?;
        }
        Ok(())
    }

    /// Focuses `selector`, selects its content and types `text` in its place.
    pub fn type_into(&mut self, selector: &str, text: &str) -> Result<(), String> {
        let sel = serde_json::to_string(selector).unwrap();
        let found = self.eval(&format!("(() => {{ const e = document.querySelector({sel}); if (!e) return false; e.focus(); e.select && e.select(); return true; }})()"))?;
        if found != Value::Bool(true) {
            return Err(format!("no element {selector} to type into"));
        }
        self.send("Input.insertText", json!({"text": text}))?;
        Ok(())
    }

    /// Waits until `expression` is truthy (checked every 50 ms), or fails with `what`.
    pub fn wait_for(&mut self, expression: &str, timeout: Duration, what: &str) -> Result<Value, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.eval(expression)?;
            if !(v.is_null() || v == Value::Bool(false) || v == json!(0) || v == json!("")) {
                return Ok(v);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out after {timeout:?} waiting for {what}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A PNG of the whole page (beyond the viewport) into `path`.
    pub fn screenshot(&mut self, path: &Path) -> Result<(), String> {
        let m = self.send("Page.getLayoutMetrics", json!({}))?;
        let size = &m["cssContentSize"];
        let (w, h) = (size["width"].as_f64().unwrap_or(800.0), size["height"].as_f64().unwrap_or(600.0));
        let shot = self.send(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true, "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}),
        )?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        let bytes = decode_base64(data)?;
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return Err(format!("not base64: {c}")),
        } as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Ok(out)
}
