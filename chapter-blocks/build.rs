//! Turns every ```` ```rust ```` block of the book's chapters (`../src`) into Rust that the
//! test `chapter_blocks` (tests/chapter_blocks.rs) compiles and runs on a lab cluster.
//!
//! Writes `$OUT_DIR/chapter_blocks.rs`: one module per block that is not `ignore` (its code as
//! rustdoc and mdBook read it: a line `# code` is hidden on the page but compiled, `##` stands
//! for `#`) and the table `BLOCKS` of every block, `ignore` ones included, with the reason
//! written beside a block that runs on kind only (`<!-- kind only: REASON -->` above it).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // The book's chapters, next to this package. Cargo scans the whole folder: a chapter
    // added later is tested too.
    let src = Path::new("../src");
    println!("cargo:rerun-if-changed=../src");
    let mut files = Vec::new();
    markdown_files(src, &mut files);
    files.sort();
    let mut modules = String::new();
    let mut table = String::from("pub const BLOCKS: &[Block] = &[\n");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let chapter = file.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
        for (n, block) in rust_blocks(&text).into_iter().enumerate() {
            let id = format!("{chapter}#{}", n + 1);
            let path = format!("src/{chapter}");
            let run = if block.ignore {
                "None".to_string()
            } else {
                let module = format!("{}_{}", chapter.trim_end_matches(".md").replace(|c: char| !c.is_ascii_alphanumeric(), "_"), n + 1);
                let code = compiled_code(&block.lines);
                assert!(code.contains("fn main"), "{path}:{}: a Rust block needs its `fn main` (hidden with `# ` if the reader need not see it)", block.line);
                writeln!(modules, "// {path}:{}\n#[allow(unused)]\npub mod {module} {{\n{code}\npub fn run() -> std::process::ExitCode {{ std::process::Termination::report(main()) }}\n}}\n", block.line).unwrap();
                format!("Some({module}::run)")
            };
            writeln!(
                table,
                "    Block {{ id: {id:?}, path: {path:?}, line: {}, ignore: {}, kind_only: {:?}, code: {:?}, run: {run} }},",
                block.line,
                block.ignore,
                block.kind_only,
                block.lines.join("\n"),
            )
            .unwrap();
        }
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("chapter_blocks.rs");
    std::fs::write(out, modules + &table).unwrap();
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "md") {
            out.push(path);
        }
    }
}

struct RustBlock {
    /// 1-based line of the opening fence.
    line: usize,
    ignore: bool,
    kind_only: Option<String>,
    /// As written in the markdown, hidden lines included.
    lines: Vec<String>,
}

/// The fenced blocks whose info string starts with `rust`, in order.
fn rust_blocks(text: &str) -> Vec<RustBlock> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let indent = lines[i].len() - trimmed.len();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        if ticks < 3 {
            i += 1;
            continue;
        }
        let fence = &trimmed[..ticks];
        let info = trimmed[ticks..].trim();
        let end = (i + 1..lines.len()).find(|&j| lines[j].trim() == fence).unwrap_or(lines.len());
        let attrs: Vec<&str> = info.split([',', ' ']).filter(|a| !a.is_empty()).collect();
        if attrs.first() == Some(&"rust") {
            let body = lines[i + 1..end].iter().map(|l| l.get(indent..).unwrap_or(l.trim_start()).to_string()).collect();
            blocks.push(RustBlock { line: i + 1, ignore: attrs.contains(&"ignore"), kind_only: kind_only(&lines[..i]), lines: body });
        }
        i = end + 1;
    }
    blocks
}

/// The reason in `<!-- kind only: REASON -->` among the comments right above a block.
fn kind_only(before: &[&str]) -> Option<String> {
    for line in before.iter().rev().map(|l| l.trim()) {
        if let Some(reason) = line.strip_prefix("<!-- kind only:").and_then(|r| r.strip_suffix("-->")) {
            return Some(reason.trim().to_string());
        }
        if !(line.is_empty() || line.starts_with("<!--")) {
            return None;
        }
    }
    None
}

/// The code rustdoc and mdBook compile: hidden lines (`# code`, a lone `#`) shown, `##` → `#`.
fn compiled_code(lines: &[String]) -> String {
    let mut code = String::new();
    for line in lines {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let text = if trimmed == "#" {
            String::new()
        } else if let Some(rest) = trimmed.strip_prefix("##") {
            format!("{indent}#{rest}")
        } else if let Some(rest) = trimmed.strip_prefix("# ") {
            format!("{indent}{rest}")
        } else {
            line.clone()
        };
        code.push_str(&text);
        code.push('\n');
    }
    code
}
