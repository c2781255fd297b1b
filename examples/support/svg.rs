//! `--timeline FILE.svg`: the run as a chart, one lane per pod (Pending, ContainerCreating,
//! Running, Ready, Terminating) and one per claim (Pending, Bound, Terminating), with the
//! example's steps as numbered markers.

use super::{ClaimState, Entry, Lang, PodState, What};
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq)]
enum Span {
    Pod(PodState),
    Claim(ClaimState),
}

impl Span {
    fn color(self) -> &'static str {
        match self {
            Span::Pod(PodState::Pending) | Span::Claim(ClaimState::Pending) => "#c8c8c8",
            Span::Pod(PodState::ContainerCreating) => "#f2c14e",
            Span::Pod(PodState::Running) => "#8ec5ff",
            Span::Pod(PodState::Ready) => "#3cb371",
            Span::Pod(PodState::Terminating) | Span::Claim(ClaimState::Terminating) => "#e8716b",
            Span::Claim(ClaimState::Bound) => "#9b7fd4",
        }
    }
    fn label(self, lang: Lang) -> &'static str {
        match self {
            Span::Pod(s) => s.label(lang),
            Span::Claim(ClaimState::Pending) => lang.pick("Pending (claim)", "대기 중(Pending)"),
            Span::Claim(ClaimState::Bound) => lang.pick("Bound", "바인딩됨(Bound)"),
            Span::Claim(ClaimState::Terminating) => lang.pick("Terminating", "삭제 중(Terminating)"),
        }
    }
}

struct Lane {
    object: String,
    /// (state, from, to); `to` None = until the end.
    spans: Vec<(Span, f64, Option<f64>)>,
    /// Times a new object of the same name appeared (a new UID).
    recreated: Vec<f64>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn lanes(log: &[Entry]) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = Vec::new();
    for e in log.iter().filter(|e| !e.object.is_empty()) {
        let t = e.at.as_secs_f64();
        let is_pod = e.object.starts_with("pod/");
        if !is_pod && !e.object.starts_with("pvc/") {
            continue;
        }
        let idx = match lanes.iter().position(|l| l.object == e.object) {
            Some(i) => i,
            None => {
                lanes.push(Lane { object: e.object.clone(), spans: Vec::new(), recreated: Vec::new() });
                lanes.len() - 1
            }
        };
        let lane = &mut lanes[idx];
        let next = match &e.what {
            What::Created { again, .. } => {
                if *again {
                    lane.recreated.push(t);
                }
                Some(if is_pod { Span::Pod(PodState::Pending) } else { Span::Claim(ClaimState::Pending) })
            }
            What::Pod(s) => Some(Span::Pod(*s)),
            What::NotReady => Some(Span::Pod(PodState::Running)),
            What::Claim(s) => Some(Span::Claim(*s)),
            What::BoundTo { .. } => Some(Span::Claim(ClaimState::Bound)),
            What::Deleted => None,
            _ => continue,
        };
        if let Some(last) = lane.spans.last_mut()
            && last.2.is_none()
        {
            last.2 = Some(t);
        }
        if let Some(span) = next {
            lane.spans.push((span, t, None));
        }
    }
    // Pods first, then claims, each in order of appearance.
    lanes.sort_by_key(|l| !l.object.starts_with("pod/"));
    lanes
}

/// How many note labels the tallest stack of close-together steps adds below the chart.
fn notes_stack(log: &[Entry]) -> usize {
    // Conservative: steps within 2% of the run of each other may stack.
    let notes: Vec<f64> = log.iter().filter(|e| matches!(e.what, What::Note(_))).map(|e| e.at.as_secs_f64()).collect();
    let end = log.last().map(|e| e.at.as_secs_f64()).unwrap_or(1.0).max(1.0);
    let (mut best, mut run) = (0, 0);
    for w in notes.windows(2) {
        run = if (w[1] - w[0]) / end < 0.03 { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

pub fn render(name: &str, title: &str, log: &[Entry], total: Duration, lang: Lang) -> String {
    let lanes = lanes(log);
    let notes: Vec<&Entry> = log.iter().filter(|e| matches!(e.what, What::Note(_))).collect();
    let end = total.as_secs_f64().max(1.0);
    let (left, width, lane_h, top) = (190.0, 760.0, 26.0, 70.0);
    let x = |t: f64| left + t / end * width;
    let chart_bottom = top + lanes.len() as f64 * lane_h;
    let legend_y = chart_bottom + 40.0 + 12.0 * (notes_stack(log) as f64);
    let notes_y = legend_y + 36.0;
    let height = notes_y + notes.len() as f64 * 18.0 + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="sans-serif" font-size="12">"#,
        w = left + width + 30.0
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="10" y="24" font-size="16" font-weight="bold">{}</text>"#, esc(&format!("{name}: {title}")));
    let _ = writeln!(s, r##"<text x="10" y="44" fill="#555">{}</text>"##, esc(lang.pick("elapsed seconds →", "경과 시간(초) →")));
    // Time axis: about ten ticks.
    let step = [0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0].into_iter().find(|s| end / s <= 12.0).unwrap_or(300.0);
    let mut t = 0.0;
    while t <= end + 1e-9 {
        let _ = writeln!(s, r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#eee"/>"##, x(t), top - 8.0, chart_bottom);
        let _ = writeln!(s, r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#555">{}</text>"##, x(t), top - 12.0, t);
        t += step;
    }
    for (i, lane) in lanes.iter().enumerate() {
        let y = top + i as f64 * lane_h;
        let _ = writeln!(s, r#"<text x="10" y="{:.1}">{}</text>"#, y + 17.0, esc(&lane.object));
        for (span, from, to) in &lane.spans {
            let to = to.unwrap_or(end);
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{}" fill="{}"><title>{}</title></rect>"#,
                x(*from),
                y + 4.0,
                (x(to) - x(*from)).max(1.0),
                lane_h - 8.0,
                span.color(),
                esc(&format!("{} {}: {from:.1}–{to:.1}s", lane.object, span.label(lang)))
            );
        }
        for t in &lane.recreated {
            let _ = writeln!(s, r#"<path d="M{0:.1} {1:.1} l-4 -6 h8 z" fill="black"><title>{2}</title></path>"#, x(*t), y + 4.0, esc(lang.pick("new UID", "새 UID")));
        }
    }
    // Numbered markers; labels of steps that happen close together are stacked.
    let (mut last_x, mut row) = (f64::NEG_INFINITY, 0.0);
    for (i, n) in notes.iter().enumerate() {
        let nx = x(n.at.as_secs_f64());
        row = if nx - last_x < 16.0 { row + 1.0 } else { 0.0 };
        last_x = nx;
        let _ = writeln!(s, r##"<line x1="{nx:.1}" y1="{}" x2="{nx:.1}" y2="{chart_bottom}" stroke="#333" stroke-dasharray="3,3"/>"##, top - 4.0);
        let _ = writeln!(s, r#"<text x="{nx:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text>"#, chart_bottom + 14.0 + row * 12.0, i + 1);
    }
    let legend = [
        Span::Pod(PodState::Pending),
        Span::Pod(PodState::ContainerCreating),
        Span::Pod(PodState::Running),
        Span::Pod(PodState::Ready),
        Span::Pod(PodState::Terminating),
        Span::Claim(ClaimState::Bound),
    ];
    let mut lx = 10.0;
    for span in legend {
        let label = span.label(lang);
        let _ = writeln!(s, r#"<rect x="{lx}" y="{}" width="14" height="14" fill="{}"/>"#, legend_y - 11.0, span.color());
        let _ = writeln!(s, r#"<text x="{}" y="{legend_y}">{}</text>"#, lx + 18.0, esc(label));
        lx += 26.0 + label.chars().map(|c| if c.is_ascii() { 7.0 } else { 12.0 }).sum::<f64>();
    }
    for (i, n) in notes.iter().enumerate() {
        let text = if let What::Note(t) = &n.what { t.as_str() } else { "" };
        let _ = writeln!(s, r#"<text x="10" y="{:.1}">{}. {:.1}s {}</text>"#, notes_y + i as f64 * 18.0, i + 1, n.at.as_secs_f64(), esc(text));
    }
    s.push_str("</svg>\n");
    s
}
