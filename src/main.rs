//! The `kehu` command: parses arguments, runs one command through the core API, and turns an
//! error into one line on stderr and an exit status a script can branch on.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc for Rust's allocations: a 100 000-row import makes millions of small ones on four
/// threads, many freed on another thread than the one that made them, and with glibc's
/// allocator, locking its arenas and consolidating their free lists took about a fifth of the
/// import's CPU time. C libraries keep glibc's: mimalloc's `override` of `malloc` itself (which
/// would also serve SQLite's index sorts) made the desktop app, whose GTK and WebKit share the
/// process, crash at start.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Output to a pipe closed early (`kehu customer list | head`) ends the command quietly, as a
/// program killed by SIGPIPE would (status 141), instead of a panic message: Rust ignores
/// SIGPIPE, so `println!` panics on the closed pipe, and the core forbids the unsafe code that
/// would restore the signal.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    if let Err(e) = kehu::vault::harden_process() {
        eprintln!("kehu: cannot disable core dumps: {e}");
        return ExitCode::from(1);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEHU_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // One line, like every other error: clap's first line, without its "error: ".
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ");
            eprintln!("kehu: {first} (see kehu --help)");
            return ExitCode::from(2);
        }
    };
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if closed_pipe(&e) => ExitCode::from(141),
        Err(e) => {
            eprintln!("kehu: {}", cli::one_line(&e));
            ExitCode::from(cli::exit_status(&e))
        }
    }
}

/// Output written into a pipe that was closed early: not an error worth a line.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
