//! kehu's integration tests, one binary: through the public API and through the `kehu` binary.

mod agenda;
mod api;
mod backup;
mod backup_cli;
mod cli;
mod export;
mod fixtures;
mod fuzz;
mod history;
mod hostile;
mod interop;
mod interop_cli;
mod reliability;
mod search;
mod security;
mod util;
