//! `flowlens`: the command-line edge of flowlens. Reads flow-log files and folders
//! with both cores, runs the same analysis as the page and prints it for people or as
//! JSON; also prints parsed records and writes the example week.
//!
//! Exit codes: 0 on success (diagnostics may have been printed), 2 on a usage error
//! or when nothing could be read. A closed stdout pipe is not an error.

#[cfg(not(target_arch = "wasm32"))]
mod args;
#[cfg(not(target_arch = "wasm32"))]
mod commands;
#[cfg(not(target_arch = "wasm32"))]
mod geo;
#[cfg(not(target_arch = "wasm32"))]
mod load;
#[cfg(not(target_arch = "wasm32"))]
mod text;

#[cfg(not(target_arch = "wasm32"))]
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

// NOTE: the command-line tool is native only; on wasm32 this binary is an empty shell
// so that `cargo build --target wasm32-unknown-unknown` of the whole package works.
#[cfg(target_arch = "wasm32")]
fn main() {}
