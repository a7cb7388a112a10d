//! The shard file: what `gapsim run --shard K/N` writes and `gapsim merge` reads.
//!
//! One line of JSON (the header: the format, the program, the model's text and SHA-256,
//! every option that changes a figure, the shard and its batches, the payload's length and
//! SHA-256), a newline, then the payload ([`Payload`]: every year of the shard's batches,
//! or for a run long enough to stream its counts or its collected values) in postcard's
//! binary form (floats as their 8 bytes, so nothing is rounded on the way). A file that was cut
//! short, altered or mixed up is refused by its length and digest before anything is read
//! from it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::shard::{ShardOf, ShardPart};
use crate::engine::shard_stream::{CollectedPart, CountedPart};

/// The format line every shard file's header carries.
pub const FORMAT: &str = "gapsim shard 2";

/// What a shard holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    /// Every year of its batches (a run that keeps every year).
    Years(ShardPart),
    /// Pass 1 of a streaming run: its batches' sums and counts.
    Counts(CountedPart),
    /// Pass 2 of a streaming run: its batches' values in the wanted classes.
    Collected(CollectedPart),
}

impl Payload {
    /// Its batches, `first..end`.
    pub fn batches(&self) -> (u64, u64) {
        match self {
            Payload::Years(p) => (p.first, p.end),
            Payload::Counts(p) => (p.first, p.end),
            Payload::Collected(p) => (p.first, p.end),
        }
    }

    /// What it holds, in the header's words.
    pub fn contents(&self) -> &'static str {
        match self {
            Payload::Years(_) => "every year",
            Payload::Counts(_) => "counts",
            Payload::Collected(_) => "collected values",
        }
    }
}

/// What a shard says about itself and the run it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardHeader {
    /// [`FORMAT`].
    pub format: String,
    /// The program that wrote it (`gapsim 0.1.0`): a merge takes shards of one version.
    pub program: String,
    /// The model file's name as the run names it.
    pub model_file: String,
    /// The model's text (the effective text of a scenario or a monitoring position).
    pub model_text: String,
    /// SHA-256 of `model_text`, in hex.
    pub model_sha256: String,
    /// Files the run was made from besides its model (a monitoring position): name, text.
    pub inputs: Vec<(String, String)>,
    /// The run's seed.
    pub seed: u64,
    /// The run's simulated years (all shards together).
    pub iterations: u64,
    /// `mc`, `lhs` or `qmc`.
    pub sampling: String,
    /// The usable reserves the run measured against, as written (`--reserves`, or the
    /// model's), and whether `--reserves` set them.
    pub reserves: String,
    /// Whether `--reserves` overrode the model's reserves.
    pub reserves_overridden: bool,
    /// Whether the model's correlations were repaired (`--repair-correlation`).
    pub repair_correlation: bool,
    /// Which shard of how many.
    pub shard: ShardOf,
    /// Its batches, `first..end`.
    pub batches: (u64, u64),
    /// What its payload holds ([`Payload::contents`]).
    pub contents: String,
    /// Bytes of the payload after the header line.
    pub payload_bytes: u64,
    /// SHA-256 of the payload, in hex.
    pub payload_sha256: String,
}

impl ShardHeader {
    /// The settings every shard of one run must share, by name, for a merge's refusal to
    /// say which differs (the shard count is shared by the shards of one pass).
    pub fn run_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("program", self.program.clone()),
            ("model (SHA-256)", self.model_sha256.clone()),
            ("seed", self.seed.to_string()),
            ("iterations", self.iterations.to_string()),
            ("sampling", self.sampling.clone()),
            ("reserves", self.reserves.clone()),
            ("--reserves", self.reserves_overridden.to_string()),
            ("--repair-correlation", self.repair_correlation.to_string()),
        ]
    }
}

/// Why a shard file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardFileError {
    /// Not a shard file at all.
    #[error("is not a gapsim shard file (its first line is not a shard header{0})")]
    NotAShard(String),
    /// A shard of another format version.
    #[error("is a shard of format {found:?}; this gapsim reads {FORMAT:?}")]
    Format {
        /// The format it says it has.
        found: String,
    },
    /// Cut short, extended, or altered.
    #[error(
        "is damaged: {0}; run its shard again (gapsim run … --shard K/N with the same options)"
    )]
    Damaged(String),
}

/// A shard's bytes: its header line and its payload.
///
/// # Panics
/// Never: serialising these plain data types cannot fail.
pub fn encode(mut header: ShardHeader, part: &Payload) -> Vec<u8> {
    let payload = postcard::to_allocvec(part).expect("plain data serialises");
    header.format = FORMAT.to_string();
    header.batches = part.batches();
    header.contents = part.contents().to_string();
    header.payload_bytes = payload.len() as u64;
    header.payload_sha256 = hex(&Sha256::digest(&payload));
    let mut out = serde_json::to_vec(&header).expect("plain data serialises");
    out.push(b'\n');
    out.extend_from_slice(&payload);
    out
}

/// Reads a shard file's bytes back.
///
/// # Errors
/// [`ShardFileError`] for anything that is not an intact shard of this format.
pub fn decode(bytes: &[u8]) -> Result<(ShardHeader, Payload), ShardFileError> {
    let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
        return Err(ShardFileError::NotAShard(": it has no header line".into()));
    };
    let header: ShardHeader = serde_json::from_slice(&bytes[..end])
        .map_err(|e| ShardFileError::NotAShard(format!(": {e}")))?;
    if header.format != FORMAT {
        return Err(ShardFileError::Format {
            found: header.format,
        });
    }
    let payload = &bytes[end + 1..];
    if payload.len() as u64 != header.payload_bytes {
        return Err(ShardFileError::Damaged(format!(
            "its payload is {} bytes where its header says {}",
            payload.len(),
            header.payload_bytes
        )));
    }
    if hex(&Sha256::digest(payload)) != header.payload_sha256 {
        return Err(ShardFileError::Damaged(
            "its payload's SHA-256 is not the one its header records".into(),
        ));
    }
    if hex(&Sha256::digest(header.model_text.as_bytes())) != header.model_sha256 {
        return Err(ShardFileError::Damaged(
            "its model text's SHA-256 is not the one its header records".into(),
        ));
    }
    let part: Payload = postcard::from_bytes(payload)
        .map_err(|e| ShardFileError::Damaged(format!("its payload cannot be read ({e})")))?;
    let (first, end) = part.batches();
    if (first, end) != header.batches || part.contents() != header.contents {
        return Err(ShardFileError::Damaged(format!(
            "it holds {} of batches {first}..{end} where its header says {} of {}..{}",
            part.contents(),
            header.contents,
            header.batches.0,
            header.batches.1
        )));
    }
    Ok((header, part))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ShardHeader {
        ShardHeader {
            format: String::new(),
            program: "gapsim 0".into(),
            model_file: "m.toml".into(),
            model_text: "x = 1\n".into(),
            model_sha256: hex(&Sha256::digest(b"x = 1\n")),
            inputs: Vec::new(),
            seed: 1,
            iterations: 20_000,
            sampling: "mc".into(),
            reserves: "10".into(),
            reserves_overridden: false,
            repair_correlation: false,
            shard: ShardOf { index: 0, count: 1 },
            batches: (0, 0),
            contents: String::new(),
            payload_bytes: 0,
            payload_sha256: String::new(),
        }
    }

    fn part() -> Payload {
        Payload::Years(ShardPart {
            first: 0,
            end: 0,
            batches: Vec::new(),
            gap: vec![1.0, -0.0, f64::MIN_POSITIVE, 1.0 / 3.0],
            shortfall: vec![0.1, 0.2, 0.30000000000000004, 7e300],
            paths: Vec::new(),
        })
    }

    #[test]
    fn a_shard_reads_back_to_the_bit_and_refuses_every_damage() {
        let bytes = encode(header(), &part());
        let (h, p) = decode(&bytes).unwrap();
        assert_eq!(h.format, FORMAT);
        assert_eq!(h.contents, "every year");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let (Payload::Years(p), Payload::Years(want)) = (p, part()) else {
            panic!("not the years written");
        };
        assert_eq!(bits(&p.gap), bits(&want.gap));
        assert_eq!(bits(&p.shortfall), bits(&want.shortfall));
        // Cut short, one byte flipped in the payload, a byte added, no header line.
        let cut = &bytes[..bytes.len() - 1];
        assert!(matches!(decode(cut), Err(ShardFileError::Damaged(_))));
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(decode(&flipped), Err(ShardFileError::Damaged(_))));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(ShardFileError::Damaged(_))));
        assert!(matches!(
            decode(b"hello"),
            Err(ShardFileError::NotAShard(_))
        ));
        // A header edited to another model text, or another format.
        let text =
            String::from_utf8_lossy(&bytes[..bytes.iter().position(|&b| b == b'\n').unwrap()])
                .replace("x = 1", "x = 2");
        let mut edited = text.into_bytes();
        edited.extend_from_slice(&bytes[bytes.iter().position(|&b| b == b'\n').unwrap()..]);
        assert!(matches!(decode(&edited), Err(ShardFileError::Damaged(_))));
        let line = bytes.iter().position(|&b| b == b'\n').unwrap();
        let mut other = String::from_utf8_lossy(&bytes[..line])
            .replace(FORMAT, "gapsim shard 9")
            .into_bytes();
        other.extend_from_slice(&bytes[line..]);
        assert!(matches!(decode(&other), Err(ShardFileError::Format { .. })));
    }
}
