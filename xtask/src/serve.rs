//! `cargo xtask serve`: a small static server for `book/` and a loop that rebuilds the
//! site when the book's sources change (polling modification times: no watcher crate,
//! nothing platform-specific). A failed rebuild is printed and the last good build stays
//! served. Pages reload themselves after a successful rebuild.

use anyhow::{Context, Result, bail};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::site::{self, BuildOptions, BuildReport};
use crate::{fmt_duration, say};

/// What the rebuild loop watches, relative to the repository root: the chapters include
/// examples/ (the code by anchor) and transcripts/out/ (the lab runs) too.
pub const WATCHED: [&str; 8] = ["src", "po", "images", "manifests", "examples", "transcripts/out", "theme", "book.toml"];

/// A fingerprint of the watched files: paths, sizes and modification times.
pub fn fingerprint(root: &Path) -> u64 {
    fn walk(path: &Path, h: &mut DefaultHasher) {
        let Ok(meta) = std::fs::metadata(path) else { return };
        if meta.is_dir() {
            let Ok(rd) = std::fs::read_dir(path) else { return };
            let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            entries.sort();
            for e in entries {
                walk(&e, h);
            }
        } else {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // The template is the build's own output; editor droppings are not sources.
            if name == "messages.pot" || name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
                return;
            }
            path.hash(h);
            meta.len().hash(h);
            meta.modified().ok().hash(h);
        }
    }
    let mut h = DefaultHasher::new();
    for w in WATCHED {
        walk(&root.join(w), &mut h);
    }
    // The playground core and the lab crates it is built from (src/ and Cargo.toml; not
    // their tests).
    for dir in crate::playground::source_dirs(root) {
        walk(&dir.join("src"), &mut h);
        walk(&dir.join("Cargo.toml"), &mut h);
    }
    h.finish()
}

/// Builds the site, then serves it on `127.0.0.1:port` and rebuilds on changes. Never
/// returns unless the port cannot be bound or the tools cannot be installed.
pub fn serve(root: &Path, port: u16) -> Result<()> {
    let opts = BuildOptions::for_repo(root);
    // Bind first: a busy port should not be found out after minutes of installing tools.
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!("port {port} is in use (another `cargo xtask serve`?): pass --port N to use another one")
        } else {
            anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}")
        }
    })?;
    let mut last = fingerprint(root);
    let (tools, core) = site::tools_and_core(&opts);
    let tools = tools?;
    let build_id = Arc::new(AtomicU64::new(0));
    say("building the book…");
    match core.and_then(|core| site::build_with_core(&tools, &opts, Some(core))) {
        Ok(report) => print_report(&report),
        Err(e) => {
            say(format!("the build failed:\n{e:#}"));
            if opts.out_dir.join("index.html").is_file() {
                say("serving the previous build until a change builds");
            } else {
                say("nothing built yet: fix the error, the book rebuilds when a source changes");
            }
        }
    }
    spawn_server(listener, opts.out_dir.clone(), build_id.clone());
    say(format!("serving the book on http://127.0.0.1:{port}/ (English: /en/, Korean: /ko/); Ctrl-C stops"));
    let core: Vec<String> = crate::playground::source_dirs(root)
        .iter()
        .map(|d| d.strip_prefix(root.canonicalize().unwrap_or_default()).unwrap_or(d).display().to_string())
        .collect();
    say(format!("rebuilding when {} change", WATCHED.iter().map(|w| w.to_string()).chain(core).collect::<Vec<_>>().join(", ")));
    loop {
        std::thread::sleep(Duration::from_millis(700));
        let now = fingerprint(root);
        if now == last {
            continue;
        }
        // Let an editor finish writing (and a burst of saves settle) before building.
        let mut settled = now;
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let again = fingerprint(root);
            if again == settled {
                break;
            }
            settled = again;
        }
        last = settled;
        say("a source changed: rebuilding…");
        let t = Instant::now();
        match site::build_with(&tools, &BuildOptions { quiet: true, ..opts.clone() }) {
            Ok(report) => {
                build_id.fetch_add(1, Ordering::SeqCst);
                say(format!("rebuilt in {}; open pages reload", fmt_duration(t.elapsed())));
                say(report.coverage_summary());
                print_site_problems(&report);
            }
            Err(e) => say(format!("the rebuild failed; still serving the last good build:\n{e:#}")),
        }
    }
}

/// Serves the files of `out` on `listener` from a background thread (what `serve` does; the
/// browser tests serve a built site with it). `build_id` is the number pages poll to reload.
pub fn spawn_server(listener: TcpListener, out: PathBuf, build_id: Arc<AtomicU64>) {
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let out = out.clone();
            let id = build_id.clone();
            std::thread::spawn(move || {
                let _ = handle(conn, &out, &id);
            });
        }
    });
}

fn print_report(r: &BuildReport) {
    let pages: Vec<String> = r.indexed_pages.iter().map(|(l, n)| format!("{l}: {n} pages searchable")).collect();
    say(format!("built {} in {} ({})", r.out_dir.display(), fmt_duration(r.elapsed), pages.join(", ")));
    say(format!("message template: {}", r.pot_file.display()));
    say(r.playground.describe());
    say(r.coverage_summary());
    print_site_problems(r);
}

/// The built-book checks of `cargo test` (links, anchors, images, language twins), as
/// warnings: a writer sees a broken link at once, not at the next test run.
fn print_site_problems(r: &BuildReport) {
    let mut problems = Vec::new();
    let mut links = 0;
    match crate::check::check_links(&r.out_dir, &site::LANGUAGES) {
        Ok(c) => {
            links = c.links + c.images;
            problems.extend(c.problems);
        }
        Err(e) => problems.push(format!("link check failed: {e:#}")),
    }
    match crate::check::check_twins(&r.out_dir) {
        Ok(c) => problems.extend(c.problems),
        Err(e) => problems.push(format!("language check failed: {e:#}")),
    }
    if problems.is_empty() {
        say(format!("links, anchors and images: {links} checked, none broken"));
    } else {
        say(format!("WARNING: {} broken links, anchors, images or language twins (cargo test fails on them):", problems.len()));
        for p in problems.iter().take(15) {
            say(format!("  {p}"));
        }
        if problems.len() > 15 {
            say(format!("  … and {} more", problems.len() - 15));
        }
    }
}

/// Prints what `cargo xtask build` reports.
pub fn report(r: &BuildReport) {
    print_report(r)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "txt" | "md" | "pot" | "po" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Polls the build number and reloads the page after a rebuild (served pages only).
const LIVE_RELOAD: &str = r#"<script>(function(){var seen=null;setInterval(function(){fetch("/__xtask/build",{cache:"no-store"}).then(function(r){return r.text()}).then(function(t){if(seen===null){seen=t}else if(t!==seen){location.reload()}}).catch(function(){})},1000)})();</script>"#;

fn respond(conn: &mut TcpStream, status: &str, ctype: &str, body: &[u8], head_only: bool, extra: &str) -> std::io::Result<()> {
    // A 304 has no body, and no length that a browser could take for the cached file's.
    let length = if status.starts_with("304") { String::new() } else { format!("Content-Length: {}\r\n", body.len()) };
    write!(conn, "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n{length}Cache-Control: no-cache\r\nConnection: close\r\n{extra}\r\n")?;
    if !head_only {
        conn.write_all(body)?;
    }
    conn.flush()
}

fn handle(mut conn: TcpStream, out: &Path, build_id: &AtomicU64) -> Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(value.trim().to_owned());
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return Ok(respond(&mut conn, "405 Method Not Allowed", "text/plain", b"GET or HEAD only\n", false, "")?);
    }
    let path = crate::html::percent_decode(target.split(['?', '#']).next().unwrap_or("/"));
    if path == "/__xtask/build" {
        let id = build_id.load(Ordering::SeqCst).to_string();
        return Ok(respond(&mut conn, "200 OK", "text/plain", id.as_bytes(), head_only, "")?);
    }
    let mut rel = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => bail!("refused {path}"),
            s if s.starts_with('.') => {
                return Ok(respond(&mut conn, "404 Not Found", "text/plain", b"not found\n", head_only, "")?);
            }
            s => rel.push(s),
        }
    }
    let mut file = out.join(rel.join("/"));
    if file.is_dir() {
        if !path.ends_with('/') {
            let loc = format!("Location: {path}/\r\n");
            return Ok(respond(&mut conn, "301 Moved Permanently", "text/plain", b"", head_only, &loc)?);
        }
        file = file.join("index.html");
    }
    let (status, file) = if file.is_file() {
        ("200 OK", file)
    } else {
        // The language's own "not found" page, if the path is inside a language.
        let lang_404 = rel.first().map(|l| out.join(l).join("404.html"));
        match lang_404 {
            Some(p) if p.is_file() => ("404 Not Found", p),
            _ => {
                return Ok(respond(&mut conn, "404 Not Found", "text/plain", b"not found\n", head_only, "")?);
            }
        }
    };
    let ctype = content_type(&file);
    // A validator, so that a browser revalidates (`no-cache`) and reuses what it holds, as
    // it does on a published site: each page load of the browser tests would otherwise fetch
    // and compile every script, font and the playground's WebAssembly again.
    let etag = (status == "200 OK").then(|| std::fs::metadata(&file).ok().map(|m| etag(&m))).flatten();
    if let Some(tag) = &etag
        && if_none_match.as_deref().is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return Ok(respond(&mut conn, "304 Not Modified", ctype, b"", true, &format!("ETag: {tag}\r\n"))?);
    }
    let extra = etag.map(|t| format!("ETag: {t}\r\n")).unwrap_or_default();
    let mut body = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    if ctype.starts_with("text/html") {
        let text = String::from_utf8_lossy(&body);
        if let Some(i) = text.rfind("</body>") {
            let mut t = text.into_owned();
            t.insert_str(i, LIVE_RELOAD);
            body = t.into_bytes();
        }
    }
    Ok(respond(&mut conn, status, ctype, &body, head_only, &extra)?)
}

/// A file's entity tag: its size and modification time (a rebuild writes the file anew).
fn etag(meta: &std::fs::Metadata) -> String {
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
    format!("\"{:x}-{:x}\"", meta.len(), modified.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(addr: SocketAddr, path: &str, headers: &str) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n").unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        s
    }

    fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
        response.lines().find_map(|l| l.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v))
    }

    #[test]
    fn a_file_is_revalidated_by_its_etag_and_changes_it_when_rewritten() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-etag-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(dir.join("en/a.js"), "one").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        spawn_server(listener, dir.clone(), Arc::new(AtomicU64::new(0)));

        let first = get(addr, "/en/a.js", "");
        assert!(first.starts_with("HTTP/1.1 200 OK") && first.ends_with("\r\n\r\none"), "{first}");
        assert_eq!(header(&first, "Cache-Control"), Some("no-cache"));
        let tag = header(&first, "ETag").expect("an ETag").to_owned();
        let again = get(addr, "/en/a.js", &format!("If-None-Match: {tag}\r\n"));
        assert!(again.starts_with("HTTP/1.1 304 Not Modified") && again.ends_with("\r\n\r\n"), "{again}");
        assert_eq!(header(&again, "Content-Length"), None, "{again}");
        assert_eq!(header(&again, "ETag"), Some(tag.as_str()));

        std::thread::sleep(Duration::from_millis(10));
        std::fs::write(dir.join("en/a.js"), "two").unwrap();
        let changed = get(addr, "/en/a.js", &format!("If-None-Match: {tag}\r\n"));
        assert!(changed.starts_with("HTTP/1.1 200 OK") && changed.ends_with("two"), "{changed}");
        assert_ne!(header(&changed, "ETag"), Some(tag.as_str()));
        // A missing page is the language's 404 page, never "not modified".
        std::fs::write(dir.join("en/404.html"), "<body>gone</body>").unwrap();
        let missing = get(addr, "/en/nope.html", &format!("If-None-Match: {tag}\r\n"));
        assert!(missing.starts_with("HTTP/1.1 404") && header(&missing, "ETag").is_none(), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
