//! Text and layout shared by the charts: fonts (the real bold face, not plotters' fallback),
//! text measured with the embedded font, the title-and-legend header, and a label placer that
//! puts each label where it covers no bar, curve, line or other label and stays inside the
//! plot.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontDesc;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{GREY, INK};
use super::{FONT, msg, size};

/// The regular face at `px` pixels.
pub(crate) fn font(px: u32) -> FontDesc<'static> {
    (FONT, f64::from(px), FontStyle::Normal).into_font()
}

/// The bold face at `px` pixels. (plotters' `FontDesc::style` keeps the regular glyphs and
/// only marks the SVG bold, so PNG titles came out regular: the face must be chosen when
/// the font is made.)
pub(crate) fn bold(px: u32) -> FontDesc<'static> {
    (FONT, f64::from(px), FontStyle::Bold).into_font()
}

/// Width in pixels of `text` in the regular face at `px`, as the PNG draws it (the SVG's
/// text is a little narrower, so what fits here fits there).
pub(crate) fn text_width(text: &str, px: u32) -> i32 {
    width_in(&font(px), text)
}

fn width_in(font: &FontDesc<'_>, text: &str) -> i32 {
    font.box_size(text).map_or_else(
        |_| (text.chars().count() as f64 * 0.62 * font.get_size()) as i32,
        |(w, _)| w as i32,
    )
}

/// `text` cut to at most `max` pixels wide, ending in an ellipsis if it was cut.
///
/// Linear in the length of `text`: see [`Widths`].
pub(crate) fn fit(text: &str, px: u32, max: i32) -> String {
    Widths::new(px, text_width).fit(text, max)
}

/// `text` wrapped at spaces into at most `lines` lines of at most `max` pixels; the last
/// line ends in an ellipsis if the text does not fit.
///
/// One pass over the words: see [`Widths`].
pub(crate) fn wrap(text: &str, px: u32, max: i32, lines: usize) -> Vec<String> {
    Widths::new(px, text_width).wrap(text, max, lines)
}

/// How many times finer than the drawn size single characters are measured, so that the
/// sum of their (whole-pixel) widths is accurate to a fraction of a pixel over a line.
const FINE: u32 = 64;

/// Text measurement for cutting and wrapping, with each distinct character measured once.
///
/// Cutting a label used to drop one character at a time and measure what was left, which
/// is quadratic: a 30,000-character label took 42 seconds to chart. Here a text's width
/// is estimated from its characters' widths (measured once each, at [`FINE`] times the
/// size, and summed: plotters lays text out as the sum of advances plus kerning), the cut
/// is found in one pass over the running total, and only the result, which is at most a
/// line long, is measured as a whole to confirm it fits (kerning can make it a pixel or
/// two wider than the estimate, and then it is shortened). The work is therefore linear in
/// the text, and the number of measurements is bounded by the number of distinct
/// characters plus a few.
pub(crate) struct Widths<M: FnMut(&str, u32) -> i32> {
    px: u32,
    measure: M,
    cache: std::collections::HashMap<char, f64>,
}

impl<M: FnMut(&str, u32) -> i32> Widths<M> {
    /// Measures text drawn at `px` with `measure(text, px)`, which returns whole pixels.
    pub fn new(px: u32, measure: M) -> Self {
        Widths {
            px,
            measure,
            cache: std::collections::HashMap::new(),
        }
    }

    /// The width of one character, to a fraction of a pixel.
    fn char_width(&mut self, c: char) -> f64 {
        if let Some(w) = self.cache.get(&c) {
            return *w;
        }
        let mut buf = [0u8; 4];
        let w =
            f64::from((self.measure)(c.encode_utf8(&mut buf), self.px * FINE)) / f64::from(FINE);
        self.cache.insert(c, w);
        w
    }

    /// The width of `text` as drawn (one measurement).
    fn exact(&mut self, text: &str) -> i32 {
        (self.measure)(text, self.px)
    }

    /// The longest prefix of `chars` (in characters) whose estimated width, plus `extra`,
    /// is at most `max`.
    fn longest_prefix(&mut self, chars: &[char], extra: f64, max: i32) -> usize {
        let mut total = extra;
        for (i, &c) in chars.iter().enumerate() {
            total += self.char_width(c);
            if total > f64::from(max) {
                return i;
            }
        }
        chars.len()
    }

    /// `text` cut to at most `max` pixels, ending in an ellipsis if it was cut.
    pub fn fit(&mut self, text: &str, max: i32) -> String {
        let chars: Vec<char> = text.chars().collect();
        // Whole, if its estimate says it may fit (and then it is short enough to measure).
        if self.longest_prefix(&chars, 0.0, max + 2) == chars.len() && self.exact(text) <= max {
            return text.to_string();
        }
        let ellipsis = self.char_width('…');
        let mut n = self.longest_prefix(&chars, ellipsis, max);
        // Confirm with the drawn width; kerning may add a pixel or two, so step back by the
        // estimated excess (usually zero or one step). Each try measures at most a line.
        for _ in 0..16 {
            let cut = cut_at(&chars, n);
            let w = self.exact(&cut);
            if w <= max || n == 0 {
                return cut;
            }
            let mut excess = f64::from(w - max);
            let mut back = 0;
            while excess > 0.0 && back < n {
                back += 1;
                excess -= self.char_width(chars[n - back]);
            }
            n -= back.max(1);
        }
        "…".into()
    }

    /// `text` wrapped at spaces into at most `lines` lines of at most `max` pixels; the
    /// last line takes the rest, cut to fit.
    pub fn wrap(&mut self, text: &str, max: i32, lines: usize) -> Vec<String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let space = self.char_width(' ');
        let mut out = Vec::new();
        let mut i = 0;
        while i < words.len() && out.len() < lines {
            if out.len() + 1 == lines {
                // The last line takes the rest, cut to fit: only as many words as could
                // possibly fit are joined, so a long text costs no more than a line.
                let mut rest = String::new();
                let mut width = 0.0;
                for w in &words[i..] {
                    if !rest.is_empty() {
                        rest.push(' ');
                        width += space;
                    }
                    let chars: Vec<char> = w.chars().collect();
                    let room = ((f64::from(max) - width).max(0.0) as i32) + 2;
                    let take = self.longest_prefix(&chars, 0.0, room);
                    rest.extend(&chars[..(take + 1).min(chars.len())]);
                    width += chars[..take]
                        .iter()
                        .map(|&c| self.char_width(c))
                        .sum::<f64>();
                    if take < chars.len() || width > f64::from(max) {
                        // Past the end of the line: `fit` cuts here.
                        break;
                    }
                }
                out.push(self.fit(&rest, max));
                break;
            }
            // Words onto this line while their estimated width fits; a single word wider
            // than the line is cut.
            let start = i;
            let mut width: f64 = words[i].chars().map(|c| self.char_width(c)).sum();
            i += 1;
            while i < words.len() {
                let more: f64 = space + words[i].chars().map(|c| self.char_width(c)).sum::<f64>();
                if width + more > f64::from(max) {
                    break;
                }
                width += more;
                i += 1;
            }
            // Kerning can make the line a pixel wider than its estimate: then its last
            // word moves to the next line.
            let mut line = words[start..i].join(" ");
            while i - start > 1 && self.exact(&line) > max {
                i -= 1;
                line = words[start..i].join(" ");
            }
            out.push(self.fit(&line, max));
        }
        out
    }
}

/// The first `n` characters, trailing spaces dropped, with an ellipsis.
fn cut_at(chars: &[char], n: usize) -> String {
    let mut cut: String = chars[..n].iter().collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled box (bars).
    Box(RGBColor),
    /// A thick line (curves, outlines).
    Line(RGBColor),
}

/// Height of one legend row.
const LEGEND_ROW: i32 = 30;

/// Draws the title (bold, centred) and under it the legend, in as many centred rows as the
/// entries need, and returns the area left for the plot. The legend sits outside the plot,
/// so it can never hide a bar, a line or a label.
pub(crate) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(String, Swatch)],
) -> Result<DrawingArea<DB, Shift>, String> {
    header_with_note(root, title, None, items)
}

/// [`header`] with a line under the title that says how to read the chart ("Longest bar
/// first").
pub(crate) fn header_with_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    note: Option<&str>,
    items: &[(String, Swatch)],
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = root.dim_in_pixel();
    let w = w as i32;
    let title = fit(title, size::TITLE, w - 40);
    root.draw(&Text::new(
        title,
        (w / 2, 30),
        bold(size::TITLE)
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(msg)?;
    let below_title = if let Some(note) = note {
        draw_text(
            root,
            &fit(note, size::NOTE, w - 40),
            (w / 2, 64),
            size::NOTE,
            INK,
            HPos::Center,
        )?;
        32
    } else {
        0
    };
    // Flow the entries into rows no wider than the chart.
    let entry = |(text, _): &(String, Swatch)| 30 + text_width(text, size::LABEL);
    let gap = 36;
    let mut rows: Vec<Vec<&(String, Swatch)>> = vec![Vec::new()];
    let mut used = 0;
    for item in items {
        let width = entry(item);
        let row = rows.last_mut().expect("one row");
        if !row.is_empty() && used + gap + width > w - 40 {
            rows.push(vec![item]);
            used = width;
        } else {
            used += if row.is_empty() { width } else { gap + width };
            row.push(item);
        }
    }
    let top = 62 + below_title;
    for (r, row) in rows.iter().enumerate().filter(|(_, row)| !row.is_empty()) {
        let total: i32 = row.iter().map(|i| entry(i)).sum::<i32>() + gap * (row.len() as i32 - 1);
        let mut x = (w - total) / 2;
        let y = top + LEGEND_ROW * r as i32;
        for item in row {
            let (text, swatch) = item;
            match swatch {
                Swatch::Box(c) => root
                    .draw(&Rectangle::new([(x, y - 10), (x + 20, y + 10)], c.filled()))
                    .map_err(msg)?,
                Swatch::Line(c) => root
                    .draw(&PathElement::new(
                        vec![(x - 2, y), (x + 22, y)],
                        c.stroke_width(4),
                    ))
                    .map_err(msg)?,
            }
            draw_text(root, text, (x + 30, y), size::LABEL, INK, HPos::Left)?;
            x += entry(item) + gap;
        }
    }
    let used_rows = rows.iter().filter(|r| !r.is_empty()).count() as i32;
    let height = if used_rows == 0 {
        60 + below_title
    } else {
        top + LEGEND_ROW * (used_rows - 1) + 24
    };
    Ok(root.split_vertically(height).1)
}

/// Draws one line of text whose vertical centre (of capitals and digits) is at `at.1`.
pub(crate) fn draw_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    px: u32,
    colour: RGBColor,
    h: HPos,
) -> Result<(), String> {
    root.draw(&Text::new(
        text.to_string(),
        at,
        font(px).color(&colour).pos(Pos::new(h, VPos::Center)),
    ))
    .map_err(msg)
}

/// A rectangle in pixels: `x0 <= x1`, `y0 <= y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    /// The rectangle spanned by two corners in any order.
    pub fn new(a: (i32, i32), b: (i32, i32)) -> Self {
        Rect {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        }
    }

    fn overlap(&self, o: &Rect) -> i64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0);
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0);
        i64::from(w) * i64::from(h)
    }

    fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }

    fn grown(&self, by: i32) -> Rect {
        Rect {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }
}

/// A block of text lines to place: its lines, size and measured box.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub lines: Vec<String>,
    pub px: u32,
    pub colour: RGBColor,
    pub w: i32,
    pub h: i32,
}

impl Label {
    /// Measures `lines` at `px`.
    pub fn new(lines: Vec<String>, px: u32, colour: RGBColor) -> Self {
        let w = lines.iter().map(|l| text_width(l, px)).max().unwrap_or(0);
        let h = (f64::from(px) * (1.25 * lines.len() as f64 - 0.25)).ceil() as i32 + 4;
        Label {
            lines,
            px,
            colour,
            w,
            h,
        }
    }

    /// One line.
    pub fn line(text: impl Into<String>, px: u32, colour: RGBColor) -> Self {
        Label::new(vec![text.into()], px, colour)
    }

    /// Its box with the top-left corner at `(x, y)`.
    pub fn at(&self, x: i32, y: i32) -> Rect {
        Rect {
            x0: x,
            y0: y,
            x1: x + self.w,
            y1: y + self.h,
        }
    }

    /// Draws it in `r` (a box from [`Label::at`]), left-aligned, or right-aligned when
    /// `right` (text that points at something on its right).
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        r: Rect,
        right: bool,
    ) -> Result<(), String> {
        let step = f64::from(self.px) * 1.25;
        for (i, line) in self.lines.iter().enumerate() {
            let y = r.y0 + 2 + (f64::from(self.px) * 0.5 + step * i as f64).round() as i32;
            if right {
                draw_text(root, line, (r.x1, y), self.px, self.colour, HPos::Right)?;
            } else {
                draw_text(root, line, (r.x0, y), self.px, self.colour, HPos::Left)?;
            }
        }
        Ok(())
    }
}

/// Keeps the rectangles already drawn on a plot and finds free places for labels.
#[derive(Debug, Clone)]
pub(crate) struct Placer {
    bounds: Rect,
    taken: Vec<Rect>,
}

impl Placer {
    /// Labels must stay inside `bounds` (the plot area, in pixels).
    pub fn new(bounds: Rect) -> Self {
        Placer {
            bounds,
            taken: Vec::new(),
        }
    }

    /// The plot area.
    pub fn bounds(&self) -> Rect {
        self.bounds
    }

    /// Marks `r` as used.
    pub fn block(&mut self, r: Rect) {
        self.taken.push(r);
    }

    /// Marks a polyline drawn `width` pixels wide as used.
    pub fn block_path(&mut self, points: &[(i32, i32)], width: i32) {
        let half = width / 2 + 2;
        for pair in points.windows(2) {
            let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
            let len = (ax - bx).abs().max((ay - by).abs()).max(1);
            let pieces = (len + 5) / 6;
            for k in 0..=pieces {
                let x = ax + (bx - ax) * k / pieces;
                let y = ay + (by - ay) * k / pieces;
                self.taken
                    .push(Rect::new((x - half, y - half), (x + half, y + half)));
            }
        }
    }

    /// How much `r` covers what is already drawn (with a small margin around `r`).
    fn cost(&self, r: &Rect) -> i64 {
        let g = r.grown(3);
        self.taken.iter().map(|t| g.overlap(t)).sum()
    }

    /// `r` moved the least distance that puts it inside the plot.
    fn slide(&self, r: &Rect) -> Rect {
        let b = self.bounds;
        let dx = if r.x0 < b.x0 {
            b.x0 - r.x0
        } else if r.x1 > b.x1 {
            b.x1 - r.x1
        } else {
            0
        };
        let dy = if r.y0 < b.y0 {
            b.y0 - r.y0
        } else if r.y1 > b.y1 {
            b.y1 - r.y1
        } else {
            0
        };
        Rect {
            x0: r.x0 + dx,
            y0: r.y0 + dy,
            x1: r.x1 + dx,
            y1: r.y1 + dy,
        }
    }

    /// The first of `candidates` that lies inside the plot and covers nothing; then the
    /// first that does so once slid inside.
    fn free(&self, candidates: &[Rect]) -> Option<Rect> {
        let ok = |r: &Rect| r.inside(&self.bounds) && self.cost(r) == 0;
        candidates
            .iter()
            .copied()
            .find(ok)
            .or_else(|| candidates.iter().map(|r| self.slide(r)).find(ok))
    }

    /// The candidate, slid inside the plot, that covers least.
    fn least(&self, candidates: &[Rect]) -> Rect {
        candidates
            .iter()
            .map(|r| self.slide(r))
            .min_by_key(|r| self.cost(r))
            .unwrap_or(self.bounds)
    }

    /// The first of `candidates` (boxes, best first) that covers nothing inside the plot
    /// (sliding it inside if need be); failing that, the one that covers least. It is then
    /// marked as used.
    pub fn place(&mut self, candidates: &[Rect]) -> Rect {
        let r = self
            .free(candidates)
            .unwrap_or_else(|| self.least(candidates));
        self.taken.push(r);
        r
    }

    /// Like [`Placer::place`] for several ways of writing a label (one line, then wrapped
    /// onto more), each with its candidate boxes: the first free place of the first option
    /// that has one; failing all, the least-covering place of the last option.
    pub fn place_any(&mut self, options: Vec<(Label, Vec<Rect>)>) -> (Label, Rect) {
        let found = options
            .iter()
            .find_map(|(label, c)| self.free(c).map(|r| (label.clone(), r)));
        let (label, r) = match found {
            Some(found) => found,
            None => {
                let (label, c) = options.last().expect("at least one option");
                (label.clone(), self.least(c))
            }
        };
        self.taken.push(r);
        (label, r)
    }
}

/// A thin grey line from a marker at `point` to its label's box, when the label had to sit
/// away from it.
pub(crate) fn leader<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    point: (i32, i32),
    label: &Rect,
) -> Result<(), String> {
    let end = (
        point.0.clamp(label.x0, label.x1),
        point.1.clamp(label.y0, label.y1),
    );
    if (end.0 - point.0).abs() + (end.1 - point.1).abs() > 24 {
        root.draw(&PathElement::new(vec![point, end], GREY.stroke_width(2)))
            .map_err(msg)?;
    }
    Ok(())
}

/// A caption above the plot for a vertical line at `x` (pixels): "Budget balanced".
#[derive(Debug, Clone)]
pub(crate) struct Caption {
    pub text: String,
    pub colour: RGBColor,
    pub x: i32,
}

/// Height of one row of captions.
pub(crate) const CAPTION_ROW: i32 = 28;

/// Lays out captions in rows above the plot (row 0 nearest it), each centred on its line
/// where that leaves room for the next, else ending at its line, else starting at it, else
/// in the next row up; always between `left` and `right`. Returns each caption's box
/// relative to the top of the plot (y negative, upwards) and whether it is right-aligned,
/// in the order given, with the number of rows used.
pub(crate) fn lay_captions(caps: &[Caption], left: i32, right: i32) -> (Vec<(Rect, bool)>, usize) {
    let mut order: Vec<usize> = (0..caps.len()).collect();
    order.sort_by_key(|&i| caps[i].x);
    let mut placed: Vec<Option<(Rect, bool, usize)>> = vec![None; caps.len()];
    let mut rows_used = 0;
    for (k, &i) in order.iter().enumerate() {
        let c = &caps[i];
        let w = text_width(&c.text, size::NOTE);
        let next_x = order.get(k + 1).map(|&j| caps[j].x);
        let clamp = |x0: i32| x0.clamp(left, (right - w).max(left));
        // The previous caption's right end in each row, to start just clear of it.
        let clear_of = |row: usize| {
            placed
                .iter()
                .flatten()
                .filter(|(_, _, prow)| *prow == row)
                .map(|(p, _, _)| p.x1 + 12)
                .max()
                .unwrap_or(left)
        };
        let mut chosen = None;
        'rows: for row in 0..caps.len() {
            // (left edge, right-aligned, must leave room for the next caption)
            let options = [
                (clamp(c.x - w / 2), false, true),
                (clamp(c.x - 6 - w), true, false),
                (clamp(c.x + 6), false, true),
                (
                    clamp((c.x + 6).max(clear_of(row)).min(c.x + 48)),
                    false,
                    true,
                ),
            ];
            for (x0, right_aligned, check_next) in options {
                let r = Rect {
                    x0,
                    x1: x0 + w,
                    y0: -(CAPTION_ROW * (row as i32 + 1)),
                    y1: -(CAPTION_ROW * row as i32) - 4,
                };
                let clear = placed
                    .iter()
                    .flatten()
                    .all(|(p, _, prow)| *prow != row || p.x1 + 12 <= r.x0 || r.x1 + 12 <= p.x0);
                let leaves_room = !check_next || row > 0 || next_x.is_none_or(|nx| r.x1 + 6 <= nx);
                if clear && leaves_room {
                    chosen = Some((r, right_aligned, row));
                    break 'rows;
                }
            }
        }
        let (r, right_aligned, row) = chosen.unwrap_or((
            Rect {
                x0: clamp(c.x - w / 2),
                x1: clamp(c.x - w / 2) + w,
                y0: -CAPTION_ROW,
                y1: -4,
            },
            false,
            0,
        ));
        rows_used = rows_used.max(row + 1);
        placed[i] = Some((r, right_aligned, row));
    }
    let out = placed
        .into_iter()
        .map(|p| p.map_or((Rect::new((0, 0), (0, 0)), false), |(r, a, _)| (r, a)))
        .collect();
    (out, rows_used)
}

/// Boxes for a label beside a vertical line at `x`: on `first` side then the other, at
/// heights from `top` down to `bottom` in steps, so the highest free place wins.
pub(crate) fn beside_line(
    label: &Label,
    x: i32,
    top: i32,
    bottom: i32,
    right_first: bool,
) -> Vec<Rect> {
    let mut out = Vec::new();
    let right = label.at(x + 8, 0);
    let left = label.at(x - 8 - label.w, 0);
    let sides = if right_first {
        [right, left]
    } else {
        [left, right]
    };
    let mut y = top;
    while y + label.h <= bottom.max(top + label.h) {
        for s in sides {
            out.push(Rect {
                y0: y,
                y1: y + label.h,
                ..s
            });
        }
        y += 8;
    }
    out
}

/// Distances from a point at which [`around_point`] tries labels, nearest first.
pub(crate) const RINGS: [i32; 6] = [10, 24, 44, 70, 100, 140];

/// Boxes for a label near a point: close around it first, then further out.
pub(crate) fn around_point(label: &Label, point: (i32, i32)) -> Vec<Rect> {
    RINGS.iter().flat_map(|&d| ring(label, point, d)).collect()
}

/// Boxes for a label `d` pixels from a point, on every side.
pub(crate) fn ring(label: &Label, (x, y): (i32, i32), d: i32) -> Vec<Rect> {
    let (w, h) = (label.w, label.h);
    vec![
        label.at(x + d, y - h - d / 2),
        label.at(x + d, y + d / 2),
        label.at(x - d - w, y - h - d / 2),
        label.at(x - d - w, y + d / 2),
        label.at(x + d, y - h / 2),
        label.at(x - d - w, y - h / 2),
        label.at(x - w / 2, y - h - d),
        label.at(x - w / 2, y + d),
    ]
}

/// A note for usable reserves far off the scale, at the left or right edge of the plot
/// ("Usable reserves £X →" over "(off the scale): `detail`"), placed by `placer` between
/// `top` and `bottom`. Returns the label, where it went, and whether it is right-aligned.
pub(crate) fn off_scale_note(
    placer: &mut Placer,
    reserves_text: &str,
    detail: &str,
    right_edge: bool,
    top: i32,
    bottom: i32,
) -> (Label, Rect, bool) {
    let first = if right_edge {
        format!("{reserves_text} \u{2192}")
    } else {
        format!("\u{2190} {reserves_text}")
    };
    let b = placer.bounds();
    let lines = [first, format!("(off the scale): {detail}")]
        .iter()
        .map(|l| fit(l, size::NOTE, b.x1 - b.x0 - 20))
        .collect();
    let label = Label::new(lines, size::NOTE, super::palette::VERMILLION);
    let x = if right_edge {
        b.x1 - 6 - label.w
    } else {
        b.x0 + 6
    };
    let mut candidates = Vec::new();
    let mut y = top;
    while y + label.h <= bottom {
        candidates.push(label.at(x, y));
        y += 8;
    }
    let r = placer.place(&candidates);
    (label, r, right_edge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_and_cutting_stay_within_the_width() {
        super::super::fonts().unwrap();
        let long = "Transformation of adult social care commissioning and market shaping";
        let lines = wrap(long, 21, 300, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, 21) <= 300), "{lines:?}");
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert_eq!(wrap("Short", 21, 300, 2), vec!["Short".to_string()]);
        let cut = fit(long, 21, 200);
        assert!(cut.ends_with('…') && text_width(&cut, 21) <= 200);
    }

    /// Runs `f` with a measuring function that counts its calls and the characters it
    /// measured; returns f's result and the counts.
    fn counted<T>(f: impl FnOnce(&mut dyn FnMut(&str, u32) -> i32) -> T) -> (T, usize, usize) {
        let (mut calls, mut chars) = (0, 0);
        let out = f(&mut |t: &str, px: u32| {
            calls += 1;
            chars += t.chars().count();
            text_width(t, px)
        });
        (out, calls, chars)
    }

    #[test]
    fn a_very_long_label_is_cut_with_a_bounded_number_of_measurements() {
        super::super::fonts().unwrap();
        // 30,000 characters: the label that took 42 seconds to chart.
        let long: String = "Transformation of adult social care commissioning, phase 2; "
            .repeat(500)
            .chars()
            .take(30_000)
            .collect();
        let distinct = long
            .chars()
            .chain(['…'])
            .collect::<std::collections::HashSet<_>>()
            .len();
        let (cut, calls, chars) = counted(|m| Widths::new(21, m).fit(&long, 300));
        assert!(cut.ends_with('…'), "{cut}");
        assert!(text_width(&cut, 21) <= 300, "{cut}");
        // Each distinct character once, then the result (a line, not the label) once or
        // twice: never the 30,000 characters again and again.
        assert!(calls <= distinct + 3, "{calls} measurements");
        assert!(
            chars <= distinct + 3 * cut.chars().count(),
            "{chars} characters measured"
        );
        // And the cut keeps what fits: two more characters would not.
        let kept = cut.chars().count() - 1;
        let longer: String = long.chars().take(kept + 2).collect::<String>() + "…";
        assert!(text_width(&longer, 21) > 300, "{cut:?} could keep more");

        let (lines, calls, chars) = counted(|m| Widths::new(21, m).wrap(&long, 300, 2));
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, 21) <= 300), "{lines:?}");
        assert!(lines[1].ends_with('…'));
        assert!(calls <= distinct + 8, "{calls} measurements");
        assert!(chars <= distinct + 200, "{chars} characters measured");
        // One word of 30,000 characters, with no space to wrap at.
        let word = "x".repeat(30_000);
        let (lines, calls, _) = counted(|m| Widths::new(21, m).wrap(&word, 300, 2));
        assert_eq!(lines.len(), 1);
        assert!(text_width(&lines[0], 21) <= 300 && lines[0].ends_with('…'));
        assert!(calls <= 6, "{calls} measurements");
    }

    #[test]
    fn text_that_fits_is_kept_whole() {
        super::super::fonts().unwrap();
        assert_eq!(fit("Care market failure", 21, 600), "Care market failure");
        assert_eq!(
            wrap("Care market failure in the year", 21, 600, 2),
            vec!["Care market failure in the year".to_string()]
        );
        assert_eq!(fit("Anything", 21, 0), "…");
    }

    #[test]
    fn captions_of_close_lines_share_a_row_when_they_can() {
        super::super::fonts().unwrap();
        let caps = [
            Caption {
                text: "Budget balanced".into(),
                colour: INK,
                x: 150,
            },
            Caption {
                text: "Usable reserves £1.0m".into(),
                colour: INK,
                x: 166,
            },
        ];
        let (boxes, rows) = lay_captions(&caps, 10, 1190);
        assert_eq!(rows, 1, "{boxes:?}");
        assert!(boxes[0].0.x1 + 12 <= boxes[1].0.x0, "{boxes:?}");
        assert!(boxes[0].1, "the left caption ends at its line");
        // Far apart: both centred.
        let caps = [
            Caption {
                x: 300,
                ..caps[0].clone()
            },
            Caption {
                x: 800,
                ..caps[1].clone()
            },
        ];
        let (boxes, rows) = lay_captions(&caps, 10, 1190);
        assert_eq!(rows, 1);
        assert!((boxes[0].0.x0 + boxes[0].0.x1) / 2 - 300 <= 1);
    }

    #[test]
    fn titles_use_the_bold_face() {
        super::super::fonts().unwrap();
        // The bold glyphs are wider; with plotters' `style(Bold)` the regular face was
        // measured and drawn in the PNG.
        let title = "How big could the 2024/25 gap be?";
        let regular = width_in(&font(34), title);
        let heavy = width_in(&bold(34), title);
        assert!(
            heavy > regular + 20,
            "bold {heavy} px, regular {regular} px"
        );
    }

    #[test]
    fn the_placer_avoids_what_is_drawn_and_stays_inside() {
        let mut p = Placer::new(Rect::new((0, 0), (100, 100)));
        p.block(Rect::new((0, 0), (50, 50)));
        let label = Label {
            lines: vec!["x".into()],
            px: 10,
            colour: INK,
            w: 30,
            h: 12,
        };
        let r = p.place(&[label.at(10, 10), label.at(90, 60), label.at(55, 60)]);
        // The first overlaps; the second pokes out (slid back inside it is (70, 60)).
        assert_eq!((r.x0, r.y0), (55, 60));
    }
}
