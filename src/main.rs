//! The `gapsim` command. All the work is in the library and in `cli`; this only maps the
//! outcome to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
