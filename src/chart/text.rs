//! Text measured with the embedded font, and cut or wrapped to a width in time linear in
//! its length.

use plotters::prelude::*;
use plotters::style::FontDesc;

use super::FONT;

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

/// Width in pixels of `text` in the bold face at `px`.
pub(crate) fn bold_width(text: &str, px: u32) -> i32 {
    width_in(&bold(px), text)
}

/// [`fit`] for text drawn in the bold face (titles), which is wider than the regular.
pub(crate) fn fit_bold(text: &str, px: u32, max: i32) -> String {
    Widths::new(px, bold_width).fit(text, max)
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
}
