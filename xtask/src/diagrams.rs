//! The diagrams in both sites follow the page's theme from inside the SVG.
//!
//! The diagrams (`images/*.svg`, drawn by hand, and the timeline charts the examples write) are
//! dark on white, and an `<img>` cannot take the page's colours. Each SVG copied into a site
//! gets `id="dark"` on its root and a `<style>` that, when the SVG is opened as `name.svg#dark`
//! (`:target`), gives every colour it uses a dark-theme twin: the same hue and saturation with
//! the lightness turned round (white paper becomes a dark grey a shade above the page, near-black
//! text becomes near-white, a mid green bar stays a mid green). `theme/head.hbs` asks for
//! `#dark` in mdBook's dark themes (coal, navy, ayu). The files in `images/` stay as drawn; a
//! new diagram gets its twin colours without anyone choosing them.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};

/// The fragment that selects the dark colours (`theme/head.hbs` appends it).
pub const DARK_FRAGMENT: &str = "dark";

/// Copies `from` into `to`, each `.svg` made theme-aware ([`theme_aware`]).
pub fn copy_theme_aware(from: &Path, to: &Path) -> Result<()> {
    crate::site::copy_dir_rewriting(from, to, &|path| {
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Ok(Some(theme_aware(&svg)))
        } else {
            Ok(None)
        }
    })
}

/// `svg` with `id="dark"` on its root and the dark twins of its colours in a `<style>` that
/// applies when the root is the target (`name.svg#dark`). Unchanged when the root already has an
/// id or a style sheet (hand-made theming is left alone) or is not found.
pub fn theme_aware(svg: &str) -> String {
    let Some(start) = svg.find("<svg") else { return svg.to_owned() };
    let Some(len) = svg[start..].find('>') else { return svg.to_owned() };
    let root = &svg[start..start + len];
    if root.contains(" id=") || root.ends_with('/') || svg.contains("<style") {
        return svg.to_owned();
    }
    let mut rules = String::new();
    // Text and shapes without a fill of their own inherit the root's (black when it has none).
    if !root.contains(" fill=") {
        rules.push_str(&format!("svg:target{{fill:{}}}", dark_twin((0, 0, 0))));
    }
    for (attr, value) in colours(svg) {
        if let Some(rgb) = parse_colour(&value) {
            rules.push_str(&format!("svg:target [{attr}=\"{value}\"]{{{attr}:{}}}", dark_twin(rgb)));
        }
    }
    let at = start + len;
    let (head, rest) = svg.split_at(at);
    format!("{head} id=\"{DARK_FRAGMENT}\"{}<style>{rules}</style>{}", &rest[..1], &rest[1..])
}

/// The colour attributes used in `svg`: (attribute, value), each once.
fn colours(svg: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for attr in ["fill", "stroke", "stop-color"] {
        let needle = format!(" {attr}=\"");
        for (i, _) in svg.match_indices(&needle) {
            let rest = &svg[i + needle.len()..];
            if let Some(end) = rest.find('"') {
                found.insert((attr.to_owned(), rest[..end].to_owned()));
            }
        }
    }
    found
}

/// `#rgb`, `#rrggbb`, `white`, `black` as 0–255 channels; anything else (none, url(…)) is None.
fn parse_colour(value: &str) -> Option<(u8, u8, u8)> {
    match value.trim().to_ascii_lowercase().as_str() {
        "white" => return Some((255, 255, 255)),
        "black" => return Some((0, 0, 0)),
        _ => {}
    }
    let hex = value.trim().strip_prefix('#')?;
    let digits: Vec<u8> = hex.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect::<Option<_>>()?;
    match digits.len() {
        3 => Some((digits[0] * 17, digits[1] * 17, digits[2] * 17)),
        6 => Some((digits[0] * 16 + digits[1], digits[2] * 16 + digits[3], digits[4] * 16 + digits[5])),
        _ => None,
    }
}

/// The dark-theme twin of a colour as `#rrggbb`: hue kept, lightness turned round into
/// 0.13–0.90 (white paper → a grey just above the dark themes' pages, black ink → near-white),
/// the saturation of what becomes a dark background softened so that it does not glow. A
/// strong mid colour (the timelines' state bars, a red cross) is never darkened: on a dark page
/// it reads as it does on white.
pub fn dark_twin((r, g, b): (u8, u8, u8)) -> String {
    let (h, s, l) = to_hsl(r, g, b);
    let turned = 0.13 + 0.77 * (1.0 - l);
    let l2 = if s >= 0.4 && (0.3..=0.75).contains(&l) { turned.max(l) } else { turned };
    // HSL calls an almost-white tint (#fbfdff) fully saturated: what becomes dark takes at
    // most three times the colour's chroma, so a hint of blue stays a hint.
    let chroma = (r.max(g).max(b) - r.min(g).min(b)) as f64 / 255.0;
    let s2 = if l2 < 0.35 { (s * 0.6).min(chroma * 3.0) } else { s };
    let (r, g, b) = from_hsl(h, s2, l2);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn to_hsl(r: u8, g: u8, b: u8) -> (f64, f64, f64) {
    let (r, g, b) = (r as f64 / 255.0, g as f64 / 255.0, b as f64 / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let l = (max + min) / 2.0;
    if max == min {
        return (0.0, 0.0, l);
    }
    let d = max - min;
    let s = if l > 0.5 { d / (2.0 - max - min) } else { d / (max + min) };
    let h = if max == r {
        (g - b) / d + if g < b { 6.0 } else { 0.0 }
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    (h / 6.0, s, l)
}

fn from_hsl(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let to = |v: f64| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    if s == 0.0 {
        return (to(l), to(l), to(l));
    }
    let q = if l < 0.5 { l * (1.0 + s) } else { l + s - l * s };
    let p = 2.0 * l - q;
    let channel = |mut t: f64| {
        if t < 0.0 {
            t += 1.0;
        }
        if t > 1.0 {
            t -= 1.0;
        }
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    (to(channel(h + 1.0 / 3.0)), to(channel(h)), to(channel(h - 1.0 / 3.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lightness(hex: &str) -> f64 {
        let (r, g, b) = parse_colour(hex).unwrap();
        to_hsl(r, g, b).2
    }

    #[test]
    fn white_paper_turns_dark_and_black_ink_turns_light_with_hues_kept() {
        assert!(lightness(&dark_twin((255, 255, 255))) < 0.15, "{}", dark_twin((255, 255, 255)));
        assert!(lightness(&dark_twin((0x11, 0x18, 0x27))) > 0.8, "{}", dark_twin((0x11, 0x18, 0x27)));
        // The timeline's green (Ready) stays green, its red (Terminating) red.
        let (r, g, b) = parse_colour(&dark_twin((0x3c, 0xb3, 0x71))).unwrap();
        assert!(g > r && g > b, "green became {r} {g} {b}");
        let (r, g, b) = parse_colour(&dark_twin((0xe8, 0x71, 0x6b))).unwrap();
        assert!(r > g && r > b, "red became {r} {g} {b}");
    }

    #[test]
    fn every_colour_of_a_diagram_gets_a_twin_under_the_dark_target() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">\n<rect fill=\"white\" stroke=\"#333\"/><text fill=\"#1d6fb8\">x</text><rect fill=\"url(#p)\"/></svg>";
        let out = theme_aware(svg);
        assert!(out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\" id=\"dark\"><style>"), "{out}");
        for sel in ["svg:target{fill:", "[fill=\"white\"]{fill:#", "[stroke=\"#333\"]{stroke:#", "[fill=\"#1d6fb8\"]{fill:#"] {
            assert!(out.contains(sel), "no {sel} in {out}");
        }
        assert!(!out.contains("url(#p)\"]"), "a pattern is not a colour: {out}");
        assert!(out.ends_with("<rect fill=\"url(#p)\"/></svg>"), "{out}");
        // Once is enough: a diagram with its own id or style sheet is left as it is.
        assert_eq!(theme_aware(&out), out);
    }
}
