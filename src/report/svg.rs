//! The report's charts as inline SVG text: a bar chart of events and users
//! per value (two panels, each on its own scale) and a weekday × hour
//! heatmap. Each chart carries a `<title>` and `<desc>` (its text
//! alternative), draws suppressed cells hatched with the word "suppressed"
//! (never as zero), and marks every drawn number with `data-key` (its row)
//! and `data-col` (its column), so tests can compare it with `stats.csv`.
//!
//! Hand-written rather than drawn with `plotters`: two chart kinds need a
//! few dozen lines each, the output is a few hundred bytes per bar with no
//! embedded font or path data, and every element can carry the attributes
//! and text alternatives above.

use std::fmt::Write;

/// Okabe–Ito blue: events.
pub const EVENTS: &str = "#0072B2";
/// Okabe–Ito orange: users.
pub const USERS: &str = "#E69F00";
/// The id of the hatch pattern in [`defs`].
pub const HATCH: &str = "anonlog-hatch";

/// Escapes text for HTML and SVG, in element content and in quoted
/// attributes alike.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// The shared definitions (the hatch pattern), once per page, in an SVG of
/// no size (not `display:none`, which would hide the pattern too).
pub fn defs() -> String {
    format!(
        "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\" focusable=\"false\"><defs>\
<pattern id=\"{HATCH}\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><rect width=\"2.5\" height=\"6\" fill=\"#6b6b6b\"/></pattern></defs></svg>\n"
    )
}

/// One bar of a [`bars`] chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The row it draws (`data-key`).
    pub key: String,
    /// The label shown (truncated when long; the whole in its `<title>`).
    pub label: String,
    /// Left panel's number.
    pub left: Option<u64>,
    /// Right panel's number.
    pub right: Option<u64>,
    /// Withheld: drawn hatched, with no number.
    pub suppressed: bool,
}

const LABEL_W: f64 = 210.0;
const PANEL_W: f64 = 250.0;
const GAP: f64 = 30.0;
const ROW_H: f64 = 22.0;
const TOP: f64 = 30.0;
const NUM_W: f64 = 56.0;

/// A horizontal bar chart: a label column and two panels (`left`,
/// `right`: their headings and columns, e.g. events and users), each
/// scaled to its own largest number.
pub fn bars(
    id: &str,
    title: &str,
    desc: &str,
    left: (&str, &str),
    right: (&str, &str),
    rows: &[Bar],
) -> String {
    let width = LABEL_W + 2.0 * PANEL_W + GAP;
    let height = TOP + ROW_H * rows.len().max(1) as f64 + 8.0;
    let max = |f: fn(&Bar) -> Option<u64>| rows.iter().filter_map(f).max().unwrap_or(0).max(1);
    let (lmax, rmax) = (max(|b| b.left), max(|b| b.right));
    let mut s = open(id, title, desc, width, height);
    for (i, (head, _)) in [left, right].iter().enumerate() {
        let x = LABEL_W + i as f64 * (PANEL_W + GAP);
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"18\" class=\"head\">{}</text><line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{}\" stroke=\"#444\"/>",
            esc(head),
            height - 6.0
        );
    }
    for (i, b) in rows.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H;
        let _ = write!(
            s,
            "<g data-key=\"{}\"><title>{}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>",
            esc(&b.key),
            esc(&b.label),
            LABEL_W - 8.0,
            y + 15.0,
            esc(&truncate(&b.label, 30))
        );
        let panels = [
            (b.left, EVENTS, left.1, lmax),
            (b.right, USERS, right.1, rmax),
        ];
        for (p, panel) in panels.into_iter().enumerate() {
            let x = LABEL_W + p as f64 * (PANEL_W + GAP);
            bar(&mut s, x, y, b.suppressed, panel);
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// The opening of a chart: its size and text alternative.
fn open(id: &str, title: &str, desc: &str, width: f64, height: f64) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\
<title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// One panel's bar at (`x`, `y`): (number, colour, column, the panel's
/// largest number).
fn bar(s: &mut String, x: f64, y: f64, suppressed: bool, panel: (Option<u64>, &str, &str, u64)) {
    let (v, colour, col, vmax) = panel;
    if suppressed {
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"40\" height=\"14\" fill=\"url(#{HATCH})\" stroke=\"#6b6b6b\"/>\
<text x=\"{}\" y=\"{}\" class=\"sup\" data-col=\"{col}\">suppressed</text>",
            y + 4.0,
            x + 46.0,
            y + 15.0
        );
        return;
    }
    let Some(v) = v else {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" class=\"num\" data-col=\"{col}\">–</text>",
            x + 4.0,
            y + 15.0
        );
        return;
    };
    let w = (PANEL_W - NUM_W) * v as f64 / vmax as f64;
    let w = (w * 10.0).round() / 10.0;
    let _ = write!(
        s,
        "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"14\" fill=\"{colour}\"/>\
<text x=\"{}\" y=\"{}\" class=\"num\" data-col=\"{col}\">{v}</text>",
        y + 4.0,
        x + w + 4.0,
        y + 15.0
    );
}

/// One cell of a [`heatmap`].
#[derive(Debug, Clone)]
pub struct Heat {
    /// The row it draws (`data-key`).
    pub key: String,
    /// Weekday, 0 = Monday.
    pub day: usize,
    /// Hour, 0–23.
    pub hour: usize,
    /// The number drawn; `None` with `suppressed`.
    pub value: Option<u64>,
    /// Withheld: hatched, no number.
    pub suppressed: bool,
}

/// Weekday labels, Monday first, as `stats` writes them.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const CELL_W: f64 = 28.0;
const CELL_H: f64 = 22.0;
const HEAT_LEFT: f64 = 44.0;

/// A weekday × hour heatmap of events (`col`: the column drawn). Cells not
/// given are drawn grey: not in the release (no records, or left out).
pub fn heatmap(id: &str, title: &str, desc: &str, col: &str, cells: &[Heat]) -> String {
    let width = HEAT_LEFT + 24.0 * CELL_W + 10.0;
    let height = 20.0 + 7.0 * CELL_H + 40.0;
    let max = cells
        .iter()
        .filter_map(|c| c.value)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = open(id, title, desc, width, height);
    grid(&mut s);
    for c in cells.iter().filter(|c| c.day < 7 && c.hour < 24) {
        heat_cell(&mut s, c, max, col);
    }
    legend(&mut s, max);
    s.push_str("</svg>");
    s
}

/// The hour and weekday labels, and every cell grey.
fn grid(s: &mut String) {
    for h in 0..24 {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"14\" text-anchor=\"middle\" class=\"tick\">{h:02}</text>",
            HEAT_LEFT + h as f64 * CELL_W + CELL_W / 2.0
        );
    }
    for (d, name) in WEEKDAYS.iter().enumerate() {
        let y = 20.0 + d as f64 * CELL_H;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"tick\">{name}</text>",
            HEAT_LEFT - 6.0,
            y + 15.0
        );
        for h in 0..24 {
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"#ececec\"/>",
                HEAT_LEFT + h as f64 * CELL_W,
                CELL_W - 1.0,
                CELL_H - 1.0
            );
        }
    }
}

/// One published or suppressed cell (`max`: the darkest).
fn heat_cell(s: &mut String, c: &Heat, max: u64, col: &str) {
    let x = HEAT_LEFT + c.hour as f64 * CELL_W;
    let y = 20.0 + c.day as f64 * CELL_H;
    let (fill, text, ink) = match (c.suppressed, c.value) {
        (true, _) => (format!("url(#{HATCH})"), String::new(), "#000"),
        (false, None) => return,
        (false, Some(v)) => {
            let t = v as f64 / max as f64;
            (
                ramp(t),
                v.to_string(),
                if t > 0.5 { "#fff" } else { "#000" },
            )
        }
    };
    let label = if c.suppressed { "suppressed" } else { &text };
    let _ = write!(
        s,
        "<g data-key=\"{}\"><title>{} {:02}:00 {}</title><rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
        esc(&c.key),
        WEEKDAYS[c.day],
        c.hour,
        label,
        CELL_W - 1.0,
        CELL_H - 1.0
    );
    if !c.suppressed {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"cell\" fill=\"{ink}\" data-col=\"{col}\">{text}</text>",
            x + CELL_W / 2.0 - 0.5,
            y + 15.0
        );
    }
    s.push_str("</g>");
}

/// The legend: the ramp's ends, hatched, not in the release.
fn legend(s: &mut String, max: u64) {
    let ly = 20.0 + 7.0 * CELL_H + 12.0;
    let _ = write!(
        s,
        "<g class=\"legend\" aria-hidden=\"true\"><rect x=\"{HEAT_LEFT}\" y=\"{ly}\" width=\"16\" height=\"14\" fill=\"{}\"/>\
<text x=\"{}\" y=\"{}\" class=\"tick\">few</text><rect x=\"{}\" y=\"{ly}\" width=\"16\" height=\"14\" fill=\"{}\"/>\
<text x=\"{}\" y=\"{}\" class=\"tick\">most ({max})</text>\
<rect x=\"{}\" y=\"{ly}\" width=\"16\" height=\"14\" fill=\"url(#{HATCH})\" stroke=\"#6b6b6b\"/><text x=\"{}\" y=\"{}\" class=\"tick\">suppressed</text>\
<rect x=\"{}\" y=\"{ly}\" width=\"16\" height=\"14\" fill=\"#ececec\"/><text x=\"{}\" y=\"{}\" class=\"tick\">not in the release</text></g>",
        ramp(0.0),
        HEAT_LEFT + 20.0,
        ly + 11.0,
        HEAT_LEFT + 60.0,
        ramp(1.0),
        HEAT_LEFT + 80.0,
        ly + 11.0,
        HEAT_LEFT + 170.0,
        HEAT_LEFT + 190.0,
        ly + 11.0,
        HEAT_LEFT + 280.0,
        HEAT_LEFT + 300.0,
        ly + 11.0,
    );
}

/// A sequential single-hue ramp (light to dark blue, readable in every
/// kind of colour blindness since it varies in lightness), `t` in 0..=1.
fn ramp(t: f64) -> String {
    let (a, b) = ([0xde, 0xeb, 0xf7], [0x00, 0x3f, 0x73]);
    let t = t.clamp(0.0, 1.0);
    let c = |i: usize| (f64::from(a[i]) + (f64::from(b[i]) - f64::from(a[i])) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", c(0), c(1), c(2))
}

/// `s` cut to `n` characters, with an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut t: String = s.chars().take(n - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let b = Bar {
            key: "k\"<".into(),
            label: "<script>".into(),
            left: Some(3),
            right: None,
            suppressed: false,
        };
        let svg = bars("c", "t<", "d&", ("E", "events"), ("U", "users"), &[b]);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("data-key=\"k&quot;&lt;\""), "{svg}");
        assert!(svg.contains("<title id=\"c-t\">t&lt;</title>"), "{svg}");
    }

    #[test]
    fn suppressed_bars_are_hatched_and_carry_no_number() {
        let b = Bar {
            key: "k".into(),
            label: "5".into(),
            left: Some(7),
            right: Some(2),
            suppressed: true,
        };
        let svg = bars("c", "t", "d", ("E", "events"), ("U", "users"), &[b]);
        assert!(!svg.contains(">7<") && !svg.contains(">2<"), "{svg}");
        assert_eq!(svg.matches(">suppressed</text>").count(), 2);
        assert_eq!(svg.matches("url(#anonlog-hatch)").count(), 2);
    }

    #[test]
    fn ramp_ends_and_truncation() {
        assert_eq!(ramp(0.0), "#deebf7");
        assert_eq!(ramp(1.0), "#003f73");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
