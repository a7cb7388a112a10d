//! How much of a saving (or of management action not yet achieved) is delivered, by its
//! RAG status, and the defaults' evidence.
//!
//! Risk-based reserve practice provides against savings by status: Bristol City Council's
//! 2017-18 budget risks matrix holds a provision of 35.6% against amber-rated savings
//! (£3.0m on £8.422m) and 64.5% against red (£1.0m on £1.55m), and none against green
//! (`../shared/data/mtfp-and-monitoring-evidence.md`, B4). The defaults deliver the rest
//! on average: amber 64.4%, red 35.5%. Green savings are given a small slippage (mean 95%)
//! rather than none, because forecast delivery of whole programmes runs at 69–77% (Kent,
//! 2021-22 and 2022-23) and 72–88% nationally, which green items alone would not explain
//! if they always delivered; blue (delivered) savings are certain. The spreads are
//! assumptions: a saving tends to come or not, so amber and red are wide Betas.

/// A saving's RAG status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rag {
    /// Delivered already.
    Blue,
    /// On track.
    Green,
    /// At risk.
    Amber,
    /// Unlikely to be delivered.
    Red,
}

impl Rag {
    /// Every status, in order.
    pub const ALL: [Rag; 4] = [Rag::Blue, Rag::Green, Rag::Amber, Rag::Red];

    /// The word in a monitoring file.
    pub fn word(self) -> &'static str {
        match self {
            Rag::Blue => "blue",
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
        }
    }

    /// The status a word names (any case; `delivered` for blue).
    pub fn parse(word: &str) -> Option<Rag> {
        match word.trim().to_ascii_lowercase().as_str() {
            "blue" | "delivered" => Some(Rag::Blue),
            "green" | "g" => Some(Rag::Green),
            "amber" | "a" => Some(Rag::Amber),
            "red" | "r" => Some(Rag::Red),
            _ => None,
        }
    }

    /// The default law of the fraction delivered, as an inline distribution of a model
    /// file.
    pub fn default_law(self) -> &'static str {
        match self {
            Rag::Blue => "1",
            Rag::Green => "{ dist = \"beta\", mean = 0.95, sd = 0.05 }",
            Rag::Amber => "{ dist = \"beta\", mean = 0.644, sd = 0.2 }",
            Rag::Red => "{ dist = \"beta\", mean = 0.355, sd = 0.2 }",
        }
    }

    /// The default's mean fraction delivered.
    pub fn default_mean(self) -> f64 {
        match self {
            Rag::Blue => 1.0,
            Rag::Green => 0.95,
            Rag::Amber => 0.644,
            Rag::Red => 0.355,
        }
    }

    /// Where the default comes from.
    pub fn default_source(self) -> &'static str {
        match self {
            Rag::Blue => "delivered already",
            Rag::Green => {
                "gapsim default for green: Beta, mean 95%, sd 5% (assumption: small slippage; \
                 Bristol 2017-18 makes no provision for green, mtfp-and-monitoring-evidence.md B4)"
            }
            Rag::Amber => {
                "gapsim default for amber: Beta, mean 64.4%, sd 20% (Bristol 2017-18 budget \
                 risks matrix provides 35.6% of amber savings, mtfp-and-monitoring-evidence.md \
                 B4; the sd is an assumption)"
            }
            Rag::Red => {
                "gapsim default for red: Beta, mean 35.5%, sd 20% (Bristol 2017-18 budget \
                 risks matrix provides 64.5% of red savings, mtfp-and-monitoring-evidence.md \
                 B4; the sd is an assumption)"
            }
        }
    }
}
