//! `gapsim init [DIR]`: a new council's model to fill in, from the commented template.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::args::InitArgs;
use super::{Failure, print};

/// The file `init` writes.
pub const FILE_NAME: &str = "council-model.toml";

/// Writes the template as `DIR/council-model.toml` (the folder made if need be), never
/// over an existing file, and says what to do next.
pub fn init(args: &InitArgs) -> Result<(), Failure> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join(FILE_NAME);
    write_new(&dir, &path, gapsim::MODEL_TEMPLATE.as_bytes())?;
    let shown = display(&path);
    print(&format!(
        "Wrote {shown}: a model to fill in. It checks and runs as it is, but every figure in \
         it is an assumption to replace with your council's own (each source says so).\n\
         Next:\n  \
         gapsim check {shown}     every problem, with its line and a fix\n  \
         gapsim explain {shown}   the model as tables\n  \
         gapsim run {shown}       the simulation\n"
    ))?;
    Ok(())
}

/// Creates `path` in `dir` with `bytes`, refusing to replace anything that is there.
///
/// The file is created with `create_new`, so that even a file made between a check and the
/// write is never overwritten; it is synced before the command says it was written.
fn write_new(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let shown = display(path);
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} is a file, not a folder: give the folder to write {FILE_NAME} into, e.g. \
             `gapsim init my-council`",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("could not make the folder {}", dir.display()))?;
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::Other(anyhow::anyhow!(
                "{shown} already exists, and init never overwrites a model: move or rename \
                 it first, or write the new one into another folder (`gapsim init \
                 new-folder`)"
            )));
        }
        Err(e) => {
            return Err(Failure::Other(
                anyhow::Error::new(e).context(format!("could not create {shown}")),
            ));
        }
    };
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        // Ours, and incomplete: a half-written template would only mislead.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(Failure::Other(
            anyhow::Error::new(e).context(format!("could not write {shown}")),
        ));
    }
    Ok(())
}

/// A path as the user would type it in a shell: `council-model.toml` rather than
/// `./council-model.toml` for the current folder, in single quotes when it holds anything
/// a shell would read otherwise (a space, say).
fn display(path: &Path) -> String {
    let text = path.strip_prefix(".").unwrap_or(path).display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c);
    if text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
