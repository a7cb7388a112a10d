//! `gapsim man [COMMAND]`: the manual page in roff, generated from the clap definitions in
//! `args` (clap_mangen). gapsim's own page lists the commands as `gapsim-run(1)` and so
//! on; `gapsim man run` prints that page.

use clap::CommandFactory as _;

use super::args::{Cli, ManArgs};
use super::{Failure, print_bytes};

/// Prints gapsim's page, or the page of the command named.
pub fn man(args: &ManArgs) -> Result<(), Failure> {
    let mut cli = Cli::command();
    // Built, so that each command knows its full name (`gapsim-run`, `gapsim run`).
    cli.build();
    let page = match &args.command {
        None => cli,
        // clap's own `help` command has no page of its own.
        Some(name) => match cli.find_subcommand(name).filter(|_| name != "help") {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cli
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|&n| n != "help")
                    .collect();
                return Err(Failure::Other(anyhow::anyhow!(
                    "gapsim has no command `{name}`: give one of {}, or nothing for gapsim's \
                     own page",
                    names.join(", ")
                )));
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        // Each page names the program and its version (a command's would name the command).
        .source(format!("gapsim {}", env!("CARGO_PKG_VERSION")))
        .manual("gapsim manual")
        .render(&mut roff)
        .map_err(|e| anyhow::Error::new(e).context("could not render the manual page"))?;
    print_bytes(&roff)?;
    Ok(())
}
