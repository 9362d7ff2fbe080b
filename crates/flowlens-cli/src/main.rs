//! `flowlens`: the command-line edge of flowlens. Reads flow-log files and folders
//! with both cores, runs the same analysis as the page and prints it for people or as
//! JSON; also prints parsed records and writes the example week.
//!
//! Exit codes: 0 on success (diagnostics may have been printed), 2 on a usage error
//! or when nothing could be read. A closed stdout pipe is not an error.

mod args;
mod commands;
mod forms;
mod geo;
mod load;
mod text;

fn main() -> std::process::ExitCode {
    use clap::Parser;
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("flowlens: {err}");
            std::process::ExitCode::from(2)
        }
    }
}
