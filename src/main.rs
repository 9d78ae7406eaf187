//! The `kehu` command: parses arguments, runs one command through the core API, and turns an
//! error into one line on stderr and an exit status a script can branch on.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    if let Err(e) = kehu::vault::harden_process() {
        eprintln!("kehu: cannot disable core dumps: {e}");
        return ExitCode::from(1);
    }
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kehu: {}", cli::one_line(&e));
            ExitCode::from(cli::exit_status(&e))
        }
    }
}
