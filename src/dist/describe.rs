//! Distributions described in words for reports and errors.

use super::*;

impl Distribution {
    /// A short description, e.g. `pert(min 0.03, mode 0.08, max 0.2)`, with a shift or
    /// scale in words after it: `normal(mean 0.03, sd 0.01), scaled by 1.1, then shifted
    /// by +0.03`.
    pub fn describe(&self) -> String {
        let text = self.base_describe();
        match self.affine {
            None => text,
            Some(a) => format!("{text}{}", affine_text(a, &|v| g(v))),
        }
    }

    fn base_describe(&self) -> String {
        let name = self.family.name();
        match &self.kind {
            Kind::Fixed(v) => format!("{name} {}", g(*v)),
            Kind::Uniform { lo, width } => format!("{name}({} to {})", g(*lo), g(lo + width)),
            Kind::Normal { mean, sd, .. } => {
                format!(
                    "{name}(mean {}, sd {}){}",
                    g(*mean),
                    g(*sd),
                    self.trunc_text()
                )
            }
            Kind::LogNormal { mu, sigma, .. } => format!(
                "{name}(median {}, p90 {}){}",
                g(mu.pexp()),
                g((mu + sigma * normal_quantile(0.9)).pexp()),
                self.trunc_text()
            ),
            Kind::Triangular { min, mode, max } => {
                format!(
                    "{name}(min {}, mode {}, max {})",
                    g(*min),
                    g(*mode),
                    g(*max)
                )
            }
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => {
                if self.family == Family::Pert {
                    let mode = min + scale * (alpha - 1.0) / (alpha + beta - 2.0);
                    format!(
                        "{name}(min {}, mode {}, max {})",
                        g(*min),
                        g(mode),
                        g(min + scale)
                    )
                } else {
                    format!(
                        "{name}(alpha {}, beta {}) on [{}, {}]",
                        g(*alpha),
                        g(*beta),
                        g(*min),
                        g(min + scale)
                    )
                }
            }
            Kind::Bernoulli { p } => format!("{name}(p {})", g(*p)),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => {
                let pairs: Vec<String> = values
                    .iter()
                    .zip(probabilities)
                    .map(|(v, p)| format!("{} w.p. {}", g(*v), g(*p)))
                    .collect();
                format!("{name}({})", pairs.join(", "))
            }
        }
    }

    /// A description for readers, with values formatted by `value` (so a growth rate reads
    /// "5% to 10%, most likely 7%" and money "£5m to £40m"): e.g. `PERT, 5% to 10%, most
    /// likely 7%`.
    ///
    /// A shift or scale is said after it (`, shifted by +3%`), except for a law that takes
    /// a few values (Bernoulli, discrete), whose moved values are listed instead.
    pub fn describe_with(&self, value: &dyn Fn(f64) -> String) -> String {
        let Some(a) = self.affine else {
            return self.base_describe_with(value);
        };
        match &self.kind {
            Kind::Bernoulli { p } => format!(
                "{} with probability {}, else {}",
                value(a.apply(1.0)),
                g(*p),
                value(a.apply(0.0))
            ),
            Kind::Discrete { .. } => {
                let mapped = |v: f64| value(a.apply(v));
                self.base_describe_with(&mapped)
            }
            _ => format!(
                "{}{}",
                self.base_describe_with(value),
                affine_text(a, value)
            ),
        }
    }

    fn base_describe_with(&self, value: &dyn Fn(f64) -> String) -> String {
        let (lo, hi) = self.base_support();
        let bounds = |text: String| -> String {
            let truncated = matches!(
                &self.kind,
                Kind::Normal { trunc: Some(_), .. } | Kind::LogNormal { trunc: Some(_), .. }
            );
            if !truncated {
                return text;
            }
            match (lo.is_finite(), hi.is_finite()) {
                (true, true) => format!("{text}, kept within {} to {}", value(lo), value(hi)),
                (true, false) => format!("{text}, at least {}", value(lo)),
                (false, true) => format!("{text}, at most {}", value(hi)),
                (false, false) => text,
            }
        };
        match &self.kind {
            Kind::Fixed(v) => value(*v),
            Kind::Uniform { lo, width } => {
                format!("uniform, {} to {}", value(*lo), value(lo + width))
            }
            Kind::Normal { mean, sd, .. } => bounds(format!(
                "normal, mean {}, standard deviation {}",
                value(*mean),
                value(*sd)
            )),
            Kind::LogNormal { mu, sigma, .. } => bounds(format!(
                "lognormal, median {}, 90th percentile {}",
                value(mu.pexp()),
                value((mu + sigma * normal_quantile(0.9)).pexp())
            )),
            Kind::Triangular { min, mode, max } => format!(
                "triangular, {} to {}, most likely {}",
                value(*min),
                value(*max),
                value(*mode)
            ),
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => {
                if self.family == Family::Pert {
                    let mode = min + scale * (alpha - 1.0) / (alpha + beta - 2.0);
                    format!(
                        "PERT, {} to {}, most likely {}",
                        value(*min),
                        value(min + scale),
                        value(mode)
                    )
                } else {
                    format!(
                        "beta, mean {}, standard deviation {}, within {} to {}",
                        value(self.base_moments().0),
                        value(self.base_moments().1.sqrt()),
                        value(*min),
                        value(min + scale)
                    )
                }
            }
            Kind::Bernoulli { p } => format!("1 with probability {}, else 0", g(*p)),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => values
                .iter()
                .zip(probabilities)
                .map(|(v, p)| format!("{} with probability {}", value(*v), g(*p)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    fn trunc_text(&self) -> String {
        let truncated = matches!(
            &self.kind,
            Kind::Normal { trunc: Some(_), .. } | Kind::LogNormal { trunc: Some(_), .. }
        );
        if !truncated {
            return String::new();
        }
        let (lo, hi) = self.base_support();
        let lo = if lo.is_finite() { g(lo) } else { "-inf".into() };
        let hi = if hi.is_finite() { g(hi) } else { "inf".into() };
        format!(" truncated to [{lo}, {hi}]")
    }
}

/// The affine map in words, to follow a law's description: `, scaled by 1.1`, `, shifted
/// by +0.03`, or both (`, scaled by 1.1, then shifted by -0.03`: the scale applies first).
/// The scale is a plain number; the shift is formatted by `value`, after its sign.
fn affine_text(a: Affine, value: &dyn Fn(f64) -> String) -> String {
    let shift = if a.shift == 0.0 {
        None
    } else {
        let sign = if a.shift > 0.0 { '+' } else { '-' };
        Some(format!("shifted by {sign}{}", value(a.shift.abs())))
    };
    match (a.scale == 1.0, shift) {
        (true, Some(shift)) => format!(", {shift}"),
        (false, None) => format!(", scaled by {}", g(a.scale)),
        (false, Some(shift)) => format!(", scaled by {}, then {shift}", g(a.scale)),
        (true, None) => String::new(),
    }
}

/// Compact number formatting for descriptions: up to 6 significant digits, no trailing
/// zeros.
pub(super) fn g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (6 - 1 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A number for a message: as `g` when of ordinary size, otherwise in scientific notation
/// (`1e-22`, `1.25e43`), so that neither a long row of zeros nor a false `0` is shown.
pub(super) fn num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-6..1e12).contains(&a) || !v.is_finite() {
        g(v)
    } else {
        let s = format!("{v:.3e}");
        // 1.250e43 -> 1.25e43, 1.000e-22 -> 1e-22.
        match s.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => s,
        }
    }
}

/// `g` rounded up in its third significant digit, for a lower limit a value must reach
/// (messages only, not the sampling path).
pub(super) fn g_up(v: f64) -> String {
    if !(v > 0.0 && v.is_finite()) {
        return num(v);
    }
    let step = 10f64.powi(v.log10().floor() as i32 - 2);
    num((v / step).ceil() * step)
}

/// A number known by its natural logarithm, which may be too large for an f64: `1e+95`.
pub(super) fn g_big(ln: f64) -> String {
    let log10 = ln / std::f64::consts::LN_10;
    if log10 < 300.0 {
        format!("{:.1e}", ln.exp())
    } else {
        format!("10^{}", log10.floor())
    }
}
