//! A small reader for gettext PO/POT files and the translation coverage report.

use anyhow::{Result, bail};
use std::collections::HashMap;
use std::path::Path;

/// One message of a catalogue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub msgctxt: Option<String>,
    pub msgid: String,
    pub msgid_plural: Option<String>,
    /// `msgstr`, or `msgstr[0]`, `msgstr[1]`, ... for plural messages.
    pub msgstr: Vec<String>,
    pub fuzzy: bool,
    /// `#~` entries: kept by msgmerge for history, never used.
    pub obsolete: bool,
    /// `#:` source references, e.g. `src/ordinal-pods.md:12`.
    pub references: Vec<String>,
    /// Line of the entry in its file (1-based).
    pub line: usize,
}

impl Entry {
    pub fn is_header(&self) -> bool {
        self.msgid.is_empty() && self.msgctxt.is_none()
    }
    pub fn is_translated(&self) -> bool {
        !self.fuzzy && !self.obsolete && !self.msgstr.is_empty() && self.msgstr.iter().all(|s| !s.is_empty())
    }
    fn key(&self) -> (Option<&str>, &str) {
        (self.msgctxt.as_deref(), self.msgid.as_str())
    }
    /// The first line of the message, shortened, for reports.
    pub fn short(&self) -> String {
        let first = self.msgid.lines().next().unwrap_or("");
        let mut s: String = first.chars().take(60).collect();
        if s.len() < self.msgid.len() {
            s.push('…');
        }
        match self.references.first() {
            Some(r) => format!("{r}: {s:?}"),
            None => format!("{s:?}"),
        }
    }
}

fn unescape(s: &str, line: usize) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            other => bail!("line {line}: unknown escape \\{}", other.map(String::from).unwrap_or_default()),
        }
    }
    Ok(out)
}

/// The string of a `keyword "..."` or `"..."` line.
fn quoted(rest: &str, line: usize) -> Result<String> {
    let rest = rest.trim();
    if rest.len() < 2 || !rest.starts_with('"') || !rest.ends_with('"') {
        bail!("line {line}: expected a quoted string, found {rest:?}");
    }
    unescape(&rest[1..rest.len() - 1], line)
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    None,
    Ctxt,
    Id,
    IdPlural,
    Str(usize),
}

/// Parses a PO or POT file's text.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut cur = Entry::default();
    let mut field = Field::None;
    let mut has_msgid = false;
    let flush = |cur: &mut Entry, has_msgid: &mut bool, entries: &mut Vec<Entry>| {
        if *has_msgid {
            entries.push(std::mem::take(cur));
        } else {
            *cur = Entry::default();
        }
        *has_msgid = false;
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let mut line = raw.trim();
        if line.is_empty() {
            flush(&mut cur, &mut has_msgid, &mut entries);
            field = Field::None;
            continue;
        }
        let mut obsolete = false;
        if let Some(rest) = line.strip_prefix("#~") {
            obsolete = true;
            line = rest.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
        } else if line.starts_with('#') {
            // A comment after a complete message starts the next one.
            if matches!(field, Field::Str(_)) {
                flush(&mut cur, &mut has_msgid, &mut entries);
                field = Field::None;
            }
            if let Some(flags) = line.strip_prefix("#,") {
                if flags.split(',').any(|f| f.trim() == "fuzzy") {
                    cur.fuzzy = true;
                }
            } else if let Some(refs) = line.strip_prefix("#:") {
                cur.references.extend(refs.split_whitespace().map(str::to_owned));
            }
            continue;
        }
        let starts_message = line.starts_with("msgctxt") || (line.starts_with("msgid") && !line.starts_with("msgid_plural"));
        if starts_message && (matches!(field, Field::Str(_)) || (line.starts_with("msgid") && field == Field::Id)) {
            flush(&mut cur, &mut has_msgid, &mut entries);
        }
        if obsolete {
            cur.obsolete = true;
        }
        if cur.line == 0 {
            cur.line = n;
        }
        if let Some(rest) = line.strip_prefix("msgctxt") {
            cur.msgctxt = Some(quoted(rest, n)?);
            field = Field::Ctxt;
        } else if let Some(rest) = line.strip_prefix("msgid_plural") {
            cur.msgid_plural = Some(quoted(rest, n)?);
            field = Field::IdPlural;
        } else if let Some(rest) = line.strip_prefix("msgid") {
            cur.msgid = quoted(rest, n)?;
            has_msgid = true;
            field = Field::Id;
        } else if let Some(rest) = line.strip_prefix("msgstr[") {
            let (idx, rest) = rest.split_once(']').ok_or_else(|| anyhow::anyhow!("line {n}: bad msgstr[n]"))?;
            let idx: usize = idx.trim().parse().map_err(|_| anyhow::anyhow!("line {n}: bad plural index {idx:?}"))?;
            if cur.msgstr.len() <= idx {
                cur.msgstr.resize(idx + 1, String::new());
            }
            cur.msgstr[idx] = quoted(rest, n)?;
            field = Field::Str(idx);
        } else if let Some(rest) = line.strip_prefix("msgstr") {
            cur.msgstr = vec![quoted(rest, n)?];
            field = Field::Str(0);
        } else if line.starts_with('"') {
            let s = quoted(line, n)?;
            match field {
                Field::Ctxt => cur.msgctxt.get_or_insert_with(String::new).push_str(&s),
                Field::Id => cur.msgid.push_str(&s),
                Field::IdPlural => cur.msgid_plural.get_or_insert_with(String::new).push_str(&s),
                Field::Str(i) => cur.msgstr[i].push_str(&s),
                Field::None => bail!("line {n}: a string continues nothing"),
            }
        } else {
            bail!("line {n}: cannot read {line:?}");
        }
    }
    flush(&mut cur, &mut has_msgid, &mut entries);
    Ok(entries)
}

pub fn parse_file(path: &Path) -> Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// How much of a template a catalogue translates.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Messages in the template (the header excluded).
    pub total: usize,
    pub translated: usize,
    /// In the template, absent from the catalogue or with an empty translation.
    pub untranslated: Vec<Entry>,
    /// In the template, translated but marked fuzzy in the catalogue.
    pub fuzzy: Vec<Entry>,
}

impl Coverage {
    pub fn is_complete(&self) -> bool {
        self.untranslated.is_empty() && self.fuzzy.is_empty()
    }
    /// A few lines: the counts and the first messages that lack a translation.
    pub fn summary(&self, max_listed: usize) -> String {
        let mut s = format!(
            "{}/{} messages translated; {} untranslated, {} fuzzy",
            self.translated,
            self.total,
            self.untranslated.len(),
            self.fuzzy.len()
        );
        for (what, list) in [("untranslated", &self.untranslated), ("fuzzy", &self.fuzzy)] {
            for e in list.iter().take(max_listed) {
                s.push_str(&format!("\n    {what}: {}", e.short()));
            }
            if list.len() > max_listed {
                s.push_str(&format!("\n    … and {} more {what}", list.len() - max_listed));
            }
        }
        s
    }
}

/// Which messages of `template` have a non-fuzzy, non-empty translation in `catalogue`.
pub fn coverage(template: &[Entry], catalogue: &[Entry]) -> Coverage {
    let by_key: HashMap<_, &Entry> =
        catalogue.iter().filter(|e| !e.obsolete && !e.is_header()).map(|e| (e.key(), e)).collect();
    let mut cov = Coverage::default();
    for msg in template.iter().filter(|e| !e.is_header() && !e.obsolete) {
        cov.total += 1;
        match by_key.get(&msg.key()) {
            Some(t) if t.is_translated() => cov.translated += 1,
            Some(t) if t.fuzzy => cov.fuzzy.push(msg.clone()),
            _ => cov.untranslated.push(msg.clone()),
        }
    }
    cov
}

#[cfg(test)]
mod tests {
    use super::*;

    const PO: &str = r#"
msgid ""
msgstr ""
"Language: ko\n"

#: src/a.md:1
msgid "Ordinal pods"
msgstr "순번 파드"

#, fuzzy
msgid "Headless"
msgstr "헤드리스"

msgctxt "menu"
msgid "Multi "
"line \"quoted\""
msgstr ""

msgid "one"
msgid_plural "many"
msgstr[0] "하나"
msgstr[1] ""

#~ msgid "old"
#~ msgstr "옛것"
"#;

    #[test]
    fn reads_entries_flags_contexts_plurals_and_obsolete() {
        let e = parse(PO).unwrap();
        assert_eq!(e.len(), 6, "{e:#?}");
        assert!(e[0].is_header());
        assert_eq!(e[1].msgid, "Ordinal pods");
        assert_eq!(e[1].msgstr, vec!["순번 파드"]);
        assert_eq!(e[1].references, vec!["src/a.md:1"]);
        assert!(e[1].is_translated());
        assert!(e[2].fuzzy && !e[2].is_translated());
        assert_eq!(e[3].msgctxt.as_deref(), Some("menu"));
        assert_eq!(e[3].msgid, "Multi line \"quoted\"");
        assert!(!e[3].is_translated());
        assert_eq!(e[4].msgstr.len(), 2);
        assert!(!e[4].is_translated(), "an empty plural form is untranslated");
        assert!(e[5].obsolete && e[5].msgid == "old");
    }

    #[test]
    fn coverage_counts_missing_and_fuzzy_messages() {
        let pot = parse(
            "msgid \"\"\nmsgstr \"\"\n\nmsgid \"Ordinal pods\"\nmsgstr \"\"\n\nmsgid \"Headless\"\nmsgstr \"\"\n\nmsgid \"old\"\nmsgstr \"\"\n\nmsgid \"new\"\nmsgstr \"\"\n",
        )
        .unwrap();
        let cov = coverage(&pot, &parse(PO).unwrap());
        assert_eq!(cov.total, 4);
        assert_eq!(cov.translated, 1);
        assert_eq!(cov.fuzzy.iter().map(|e| e.msgid.as_str()).collect::<Vec<_>>(), ["Headless"]);
        // An obsolete translation does not count.
        assert_eq!(cov.untranslated.iter().map(|e| e.msgid.as_str()).collect::<Vec<_>>(), ["old", "new"]);
        assert!(!cov.is_complete());
    }
}
