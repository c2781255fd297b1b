//! Just enough HTML reading for the built-site checks: the start tags of a page and their
//! attributes (entities decoded), skipping comments and the bodies of scripts and styles.
//! mdBook's output is regular; this is not a general HTML parser.

/// One start tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Lower-case name.
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Byte offset of the `<` in the page.
    pub offset: usize,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn has_attr(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == name)
    }
}

/// Decodes the character references mdBook and handlebars write.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ if name.starts_with("#x") || name.starts_with("#X") => {
                u32::from_str_radix(&name[2..], 16).ok().and_then(char::from_u32)
            }
            _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes `%XX` escapes of a URL path or fragment (UTF-8).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The start tags of `page`, in order.
pub fn start_tags(page: &str) -> Vec<Tag> {
    let b = page.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = page[i..].find('<') {
        let start = i + off;
        let rest = &page[start..];
        if rest.starts_with("<!--") {
            i = match rest.find("-->") {
                Some(e) => start + e + 3,
                None => page.len(),
            };
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("</") || rest.starts_with("<?") {
            i = start + rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
            continue;
        }
        // Tag name.
        let mut j = start + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        if j == start + 1 {
            i = start + 1;
            continue;
        }
        let name = page[start + 1..j].to_ascii_lowercase();
        // Attributes.
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j += 1;
                break;
            }
            let k0 = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/') {
                j += 1;
            }
            let key = page[k0..j].to_ascii_lowercase();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let v0 = j + 1;
                    j = v0;
                    while j < b.len() && b[j] != q {
                        j += 1;
                    }
                    value = decode_entities(&page[v0..j.min(b.len())]);
                    j += 1;
                } else {
                    let v0 = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = decode_entities(&page[v0..j]);
                }
            }
            if !key.is_empty() {
                attrs.push((key, value));
            }
        }
        let raw_text = name == "script" || name == "style";
        tags.push(Tag { name: name.clone(), attrs, offset: start });
        i = j.min(page.len());
        if raw_text {
            let close = format!("</{name}");
            i = match page[i..].to_ascii_lowercase().find(&close) {
                Some(e) => i + e,
                None => page.len(),
            };
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_attributes_and_skips_scripts_and_comments() {
        let page = r##"<!DOCTYPE html><html lang="ko" class=light><!-- <a href="x"> -->
<script>if (a < b) { document.write('<a href="nope">') }</script>
<h2 id="순번"><a class="header" href="#%EC%88%9C%EB%B2%88">x</a></h2>
<img src='images/a.ko.svg' alt="a &amp; b"><input disabled>"##;
        let tags = start_tags(page);
        let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["html", "script", "h2", "a", "img", "input"]);
        assert_eq!(tags[0].attr("lang"), Some("ko"));
        assert_eq!(tags[0].attr("class"), Some("light"));
        assert_eq!(tags[2].attr("id"), Some("순번"));
        assert_eq!(percent_decode(tags[3].attr("href").unwrap()), "#순번");
        assert_eq!(tags[4].attr("alt"), Some("a & b"));
        assert!(tags[5].has_attr("disabled"));
    }
}
