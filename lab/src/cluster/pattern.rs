//! The patterns the shell's `grep` understands: POSIX basic regular expressions (and with
//! `-E` extended ones) without back-references or intervals: literals, `.`, bracket
//! expressions (`[a-z]`, `[^0-9]`, `[[:digit:]]`), `*`, `^` and `$` anchors, `\` escapes, and
//! GNU's `\+`, `\?` and `\|` (`+`, `?`, `|` and `( )` groups in ERE). `-F` takes the pattern
//! literally. A small backtracking matcher: the book's greps are short lines and short patterns.

#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Char(char),
    Any,
    /// A bracket expression: negated, and the ranges it lists.
    Class(bool, Vec<(char, char)>),
    Group(Vec<Vec<Piece>>),
}

#[derive(Debug, Clone, PartialEq)]
struct Piece {
    atom: Atom,
    min: usize,
    max: Option<usize>,
}

/// A compiled pattern: alternatives, each a sequence with optional anchors.
#[derive(Debug, Clone)]
pub struct Pattern {
    alts: Vec<Alt>,
    ignore_case: bool,
}

#[derive(Debug, Clone)]
struct Alt {
    start: bool,
    end: bool,
    seq: Vec<Piece>,
}

impl Pattern {
    /// Compile `pat` as a BRE (`extended` false), ERE, or a fixed string.
    pub fn new(pat: &str, extended: bool, fixed: bool, ignore_case: bool) -> Result<Pattern, String> {
        let alts = if fixed {
            vec![Alt { start: false, end: false, seq: pat.chars().map(|c| Piece { atom: Atom::Char(c), min: 1, max: Some(1) }).collect() }]
        } else {
            let chars: Vec<char> = pat.chars().collect();
            let mut p = Parser { c: &chars, i: 0, ere: extended };
            let alts = p.alternatives(0)?;
            if p.i < chars.len() {
                return Err("Unmatched ) or \\)".into());
            }
            alts.into_iter().map(anchored).collect()
        };
        Ok(Pattern { alts, ignore_case })
    }

    /// Does the pattern match somewhere in `line`?
    pub fn is_match(&self, line: &str) -> bool {
        let text: Vec<char> = if self.ignore_case { line.chars().flat_map(char::to_lowercase).collect() } else { line.chars().collect() };
        self.alts.iter().any(|a| {
            let seq: Vec<Piece> = if self.ignore_case { a.seq.iter().map(lowercase_piece).collect() } else { a.seq.clone() };
            let starts: Vec<usize> = if a.start { vec![0] } else { (0..=text.len()).collect() };
            starts.into_iter().any(|s| match_seq(&seq, &text, s, &mut |e| !a.end || e == text.len()))
        })
    }
}

fn lowercase_piece(p: &Piece) -> Piece {
    let atom = match &p.atom {
        Atom::Char(c) => Atom::Char(c.to_lowercase().next().unwrap_or(*c)),
        Atom::Class(neg, ranges) => {
            let mut r = ranges.clone();
            for (a, b) in ranges {
                if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
                    r.push((a.to_ascii_lowercase(), b.to_ascii_lowercase()));
                }
            }
            Atom::Class(*neg, r)
        }
        Atom::Group(alts) => Atom::Group(alts.iter().map(|s| s.iter().map(lowercase_piece).collect()).collect()),
        a => a.clone(),
    };
    Piece { atom, ..p.clone() }
}

/// `^` at the start and `$` at the end of an alternative are anchors.
fn anchored(mut seq: Vec<Piece>) -> Alt {
    let start = seq.first().is_some_and(|p| p.atom == Atom::Char('^') && p.max == Some(1));
    if start {
        seq.remove(0);
    }
    let end = seq.last().is_some_and(|p| p.atom == Atom::Char('$') && p.max == Some(1));
    if end {
        seq.pop();
    }
    Alt { start, end, seq }
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
    ere: bool,
}

impl Parser<'_> {
    fn peek_op(&self, op: char) -> usize {
        // The length of the operator `op` at the cursor: `op` in ERE, `\op` in BRE (0: absent).
        if self.ere {
            usize::from(self.c.get(self.i) == Some(&op))
        } else if self.c.get(self.i) == Some(&'\\') && self.c.get(self.i + 1) == Some(&op) {
            2
        } else {
            0
        }
    }

    fn alternatives(&mut self, depth: usize) -> Result<Vec<Vec<Piece>>, String> {
        let mut alts = vec![self.sequence(depth)?];
        loop {
            let n = self.peek_op('|');
            if n == 0 {
                break;
            }
            self.i += n;
            alts.push(self.sequence(depth)?);
        }
        Ok(alts)
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Piece>, String> {
        let mut seq: Vec<Piece> = Vec::new();
        while self.i < self.c.len() {
            if self.peek_op('|') > 0 || (depth > 0 && self.peek_op(')') > 0) {
                break;
            }
            let ch = self.c[self.i];
            let atom = if self.peek_op('(') > 0 {
                self.i += self.peek_op('(');
                let alts = self.alternatives(depth + 1)?;
                let n = self.peek_op(')');
                if n == 0 {
                    return Err("Unmatched ( or \\(".into());
                }
                self.i += n;
                Atom::Group(alts)
            } else if ch == '\\' {
                let next = *self.c.get(self.i + 1).ok_or("Trailing backslash")?;
                self.i += 2;
                Atom::Char(next)
            } else if ch == '.' {
                self.i += 1;
                Atom::Any
            } else if ch == '[' {
                self.bracket()?
            } else if ch == '*' && seq.is_empty() {
                // A leading `*` is literal.
                self.i += 1;
                Atom::Char('*')
            } else {
                self.i += 1;
                Atom::Char(ch)
            };
            seq.push(Piece { atom, min: 1, max: Some(1) });
            // Repetition operators after the atom.
            loop {
                let (min, max, n) = if self.c.get(self.i) == Some(&'*') {
                    (0, None, 1)
                } else if self.peek_op('+') > 0 {
                    (1, None, self.peek_op('+'))
                } else if self.peek_op('?') > 0 {
                    (0, Some(1), self.peek_op('?'))
                } else {
                    break;
                };
                self.i += n;
                let last = seq.last_mut().expect("an atom");
                last.min *= min;
                last.max = match (last.max, max) {
                    (Some(a), Some(b)) => Some(a * b),
                    _ => None,
                };
            }
        }
        Ok(seq)
    }

    fn bracket(&mut self) -> Result<Atom, String> {
        self.i += 1;
        let neg = self.c.get(self.i) == Some(&'^');
        if neg {
            self.i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let Some(&ch) = self.c.get(self.i) else { return Err("Unmatched [, [^, [:, [., or [=".into()) };
            if ch == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if ch == '[' && self.c.get(self.i + 1) == Some(&':') {
                let rest: String = self.c[self.i + 2..].iter().collect();
                let end = rest.find(":]").ok_or("Unmatched [, [^, [:, [., or [=")?;
                let name = &rest[..end];
                ranges.extend(match name {
                    "digit" => vec![('0', '9')],
                    "alpha" => vec![('a', 'z'), ('A', 'Z')],
                    "alnum" => vec![('a', 'z'), ('A', 'Z'), ('0', '9')],
                    "upper" => vec![('A', 'Z')],
                    "lower" => vec![('a', 'z')],
                    "space" => vec![(' ', ' '), ('\t', '\r')],
                    "xdigit" => vec![('0', '9'), ('a', 'f'), ('A', 'F')],
                    "punct" => vec![('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
                    _ => return Err("Invalid character class name".into()),
                });
                self.i += 2 + name.chars().count() + 2;
                continue;
            }
            if self.c.get(self.i + 1) == Some(&'-') && self.c.get(self.i + 2).is_some_and(|c| *c != ']') {
                ranges.push((ch, self.c[self.i + 2]));
                self.i += 3;
            } else {
                ranges.push((ch, ch));
                self.i += 1;
            }
        }
        Ok(Atom::Class(neg, ranges))
    }
}

fn atom_matches(a: &Atom, c: char) -> bool {
    match a {
        Atom::Char(x) => *x == c,
        Atom::Any => true,
        Atom::Class(neg, ranges) => ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *neg,
        Atom::Group(_) => false,
    }
}

/// Match `seq` at `text[i..]`; `k` decides whether an end position completes the match.
fn match_seq(seq: &[Piece], text: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    let Some((p, rest)) = seq.split_first() else { return k(i) };
    match_piece(p, 0, rest, text, i, k)
}

/// Match piece `p` (already matched `count` times) then `rest`, greedily.
fn match_piece(p: &Piece, count: usize, rest: &[Piece], text: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    let can_more = p.max.is_none_or(|m| count < m);
    if can_more {
        let more = |j: usize, k: &mut dyn FnMut(usize) -> bool| j > i && match_piece(p, count + 1, rest, text, j, k);
        match &p.atom {
            Atom::Group(alts) => {
                for alt in alts {
                    if match_seq(alt, text, i, &mut |j| more(j, &mut *k)) {
                        return true;
                    }
                }
            }
            a => {
                if text.get(i).is_some_and(|c| atom_matches(a, *c)) && more(i + 1, k) {
                    return true;
                }
            }
        }
    }
    count >= p.min && match_seq(rest, text, i, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, ere: bool, s: &str) -> bool {
        Pattern::new(p, ere, false, false).unwrap().is_match(s)
    }

    #[test]
    fn basic_and_extended_expressions() {
        assert!(m("web", false, "hello from web-1"));
        assert!(m("^web-[0-9]$", false, "web-2"));
        assert!(!m("^web-[0-9]$", false, "web-12"));
        assert!(m("a.*z", false, "abcz"));
        assert!(m("x*", false, ""));
        assert!(m("lo\\+", false, "hellooo"));
        assert!(!m("lo+", false, "hellooo"), "`+` is literal in a BRE");
        assert!(m("lo+", true, "hellooo"));
        assert!(m("web-(0|2)$", true, "web-2"));
        assert!(!m("web-(0|2)$", true, "web-1"));
        assert!(m("nginx\\|busybox", false, "image: busybox"));
        assert!(m("[[:digit:]]\\.[[:digit:]]", false, "1.27"));
        assert!(m("[^a-z]", false, "abc1"));
        assert!(!m("[^a-z]", false, "abc"));
        assert!(m("10\\.244", false, "10.244.1.2"));
        assert!(!m("10\\.244", false, "10x244"));
        assert!(Pattern::new("WEB", false, false, true).unwrap().is_match("web-0"));
        assert!(Pattern::new("a.c", false, true, false).unwrap().is_match("xa.cx"));
        assert!(!Pattern::new("a.c", false, true, false).unwrap().is_match("abc"));
        assert!(Pattern::new("[abc", false, false, false).is_err());
    }
}
