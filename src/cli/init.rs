//! `gapsim init [DIR]`: a new council's model to fill in, from the commented template;
//! `gapsim init --synthetic SIZE [--count N] [--seed S] [DIR]`: synthetic councils, written
//! by `gapsim::synthetic`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use gapsim::synthetic;

use super::args::{InitArgs, SyntheticSize};
use super::{Failure, print};

/// The file `init` writes.
pub const FILE_NAME: &str = "council-model.toml";

/// Writes the template as `DIR/council-model.toml` (the folder made if need be), never
/// over an existing file, and says what to do next.
pub fn init(args: &InitArgs) -> Result<(), Failure> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if let Some(size) = args.synthetic {
        return synthetic(&dir, size, args.count, args.seed);
    }
    let path = dir.join(FILE_NAME);
    if args.sheets {
        return sheets(&dir, &path);
    }
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

/// The workbook `init --sheets` writes beside the model file.
pub const WORKBOOK_NAME: &str = "council-model.xlsx";

/// Writes the sheets template as `path` (council-model.toml) and its workbook beside it,
/// both or neither: an existing file of either name stops it before anything is written,
/// and the model file is removed again if the workbook cannot be written.
fn sheets(dir: &Path, path: &Path) -> Result<(), Failure> {
    let workbook = dir.join(WORKBOOK_NAME);
    let stem = FILE_NAME.trim_end_matches(".toml");
    let text = gapsim::SHEETS_TEMPLATE.replace(gapsim::SHEETS_TEMPLATE_STEM, stem);
    if let Some(p) = [path, workbook.as_path()]
        .into_iter()
        .find(|p| p.symlink_metadata().is_ok())
    {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} already exists, and init never overwrites a model or its sheets: nothing \
             was written; move it away first, or write the new ones into another folder \
             (`gapsim init --sheets new-folder`)",
            display(p)
        )));
    }
    write_new(dir, path, text.as_bytes())?;
    if let Err(e) = write_new(dir, &workbook, gapsim::SHEETS_TEMPLATE_WORKBOOK) {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    let (shown, book) = (display(path), display(&workbook));
    print(&format!(
        "Wrote {shown} and {book}: a model to fill in, its drivers, spending lines and \
         savings as the sheets of the workbook (one row each; its Read me sheet says how). It \
         checks and runs as it is, but every figure is an assumption to replace with your \
         council's own.\n\
         Next:\n  \
         gapsim check {shown}     every problem, a sheet's at its row and column\n  \
         gapsim explain {shown}   the model as tables\n  \
         gapsim run {shown}       the simulation\n"
    ))?;
    Ok(())
}

/// Writes synthetic councils 1 to `count` of `size` from `seed` into `dir`, each as
/// `synthetic-TIER-NNN.toml`. Nothing is written if any of the files exists already; a
/// file that appears meanwhile stops the writing, and the files written by this call are
/// removed again.
fn synthetic(dir: &Path, size: SyntheticSize, count: u32, seed: u64) -> Result<(), Failure> {
    let files: Vec<(PathBuf, u32)> = (1..=count)
        .map(|k| (dir.join(synthetic::file_name(size.tier(k), k)), k))
        .collect();
    if let Some((path, _)) = files.iter().find(|(p, _)| p.symlink_metadata().is_ok()) {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} already exists, and init never overwrites a model: nothing was written; \
             move the synthetic models away first, or write them into another folder",
            display(path)
        )));
    }
    let mut written: Vec<&Path> = Vec::with_capacity(files.len());
    for (path, k) in &files {
        let text = synthetic::model(size.tier(*k), seed, *k);
        if let Err(e) = write_new(dir, path, text.as_bytes()) {
            for p in written {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        written.push(path);
    }
    let shown = display(dir);
    let range = match (files.first(), files.last()) {
        (Some((a, _)), Some((b, _))) if files.len() > 1 => {
            format!("{} to {}", file_part(a), file_part(b))
        }
        (Some((a, _)), _) => file_part(a),
        _ => String::new(),
    };
    print(&format!(
        "Wrote {count} synthetic council model{} into {shown} ({range}): every figure is \
         an assumption, plausible for its kind of council, not a real council's.\n\
         Next:\n  \
         gapsim batch {shown}     run them all and rank them by their chance of an \
         S114-level year\n",
        if count == 1 { "" } else { "s" }
    ))?;
    Ok(())
}

/// A path's file name, for messages.
fn file_part(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
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
