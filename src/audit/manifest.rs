//! The manifest of a run folder: the SHA-256 digest of every file the run wrote, in the
//! format `sha256sum` writes and checks, so that `sha256sum -c manifest.sha256` inside the
//! folder checks a run without gapsim.
//!
//! It detects any change to a file after the run: an edit, a truncated copy, a flipped
//! bit. It is not a signature: whoever can edit a file can recompute its digest and edit
//! the manifest too. What a rewritten manifest hides is still caught where it breaks a
//! rule the figures obey ([`super::summary`]).

use std::collections::HashSet;

/// The manifest's file name in a run folder.
pub const FILE: &str = "manifest.sha256";

/// SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One file of a run and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file's name in the run folder (no folders).
    pub name: String,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

impl Entry {
    /// The entry for a file of `bytes`.
    pub fn of(name: &str, bytes: &[u8]) -> Entry {
        Entry {
            name: name.to_string(),
            sha256: sha256_hex(bytes),
        }
    }
}

/// The manifest's text: one `DIGEST  NAME` line per entry, in order (`sha256sum`'s text
/// mode; the two spaces matter to it).
pub fn render(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("{}  {}\n", e.sha256, e.name))
        .collect()
}

/// Why a manifest cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ManifestError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a manifest written by [`render`] (or by `sha256sum` over the folder's files,
/// text or binary mode).
///
/// # Errors
/// A line that is not a 64-digit hex digest, a space, a mode character and a plain file
/// name; a name with a folder in it (`/`, `\`, `.` or `..`), a control character, or
/// listed twice; the manifest itself listed.
pub fn parse(text: &str) -> Result<Vec<Entry>, ManifestError> {
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for (k, line) in text.lines().enumerate() {
        let fail = |message: String| ManifestError {
            line: k + 1,
            message,
        };
        let (digest, rest) = line
            .split_at_checked(64)
            .ok_or_else(|| fail("is not a SHA-256 digest followed by a file name".into()))?;
        if !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail(
                "does not start with a SHA-256 digest (64 hexadecimal digits)".into(),
            ));
        }
        let name = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or_else(|| {
                fail("has no file name after its digest (two spaces, then the name)".into())
            })?;
        let plain = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\'])
            && !name.chars().any(char::is_control);
        if !plain {
            return Err(fail(format!(
                "names {name:?}, which is not the name of a file in the run folder"
            )));
        }
        if name == FILE {
            return Err(fail(format!("lists {FILE} itself")));
        }
        if !seen.insert(name.to_string()) {
            return Err(fail(format!("lists {name} a second time")));
        }
        entries.push(Entry {
            name: name.to_string(),
            sha256: digest.to_ascii_lowercase(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha256() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_rendered_manifest_reads_back() {
        let entries = vec![Entry::of("summary.json", b"{}"), Entry::of("a b.csv", b"")];
        let text = render(&entries);
        assert!(text.starts_with(&format!("{}  summary.json\n", sha256_hex(b"{}"))));
        assert_eq!(parse(&text).unwrap(), entries);
        // sha256sum's binary mode and upper-case digits are read too.
        let binary = format!("{} *summary.json\n", sha256_hex(b"{}").to_uppercase());
        assert_eq!(parse(&binary).unwrap(), entries[..1]);
    }

    #[test]
    fn malformed_lines_are_refused_with_their_number() {
        let good = format!("{}  ok\n", "0".repeat(64));
        for (bad, words) in [
            ("short  name", "not a SHA-256 digest"),
            (&*format!("{}  x", "g".repeat(64)), "64 hexadecimal digits"),
            (&*format!("{} x", "0".repeat(64)), "no file name"),
            (
                &*format!("{}  ../etc/passwd", "0".repeat(64)),
                "not the name of a file",
            ),
            (
                &*format!("{}  ..", "0".repeat(64)),
                "not the name of a file",
            ),
            (&*format!("{}  ok", "1".repeat(64)), "second time"),
            (&*format!("{}  {FILE}", "1".repeat(64)), "itself"),
        ] {
            let err = parse(&format!("{good}{bad}\n")).unwrap_err();
            assert_eq!(err.line, 2, "{bad}");
            assert!(err.message.contains(words), "{bad}: {err}");
        }
    }
}
