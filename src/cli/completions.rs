//! `gapsim completions SHELL`: a shell's completion script, generated from the clap
//! definitions in `args`, so that it always knows every command and option.

use clap::CommandFactory as _;

use super::args::{Cli, CompletionsArgs};
use super::{Failure, print_bytes};

/// Prints the completion script for the shell asked for.
pub fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "gapsim", &mut script);
    print_bytes(&script)?;
    Ok(())
}
