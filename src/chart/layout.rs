//! Text and layout shared by the charts: fonts (the real bold face, not plotters' fallback),
//! text measured with the embedded font, the title-and-legend header, and a label placer that
//! puts each label where it covers no bar, curve, line or other label and stays inside the
//! plot.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{GREY, INK};
use super::text::{bold, fit, fit_bold, font, text_width};
use super::{msg, size};

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
    // Drawn bold, so measured bold: the regular face is narrower, and a long title cut
    // to its width ran off both sides of the chart.
    let title = fit_bold(title, size::TITLE, w - 40);
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
