//! The desktop app's entry point; everything lives in the library so tests can reach it.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The allocator the `kehu` command uses, for the same reasons (see its src/main.rs): imports,
/// exports and index builds run in this process too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    kehu_desktop::run();
}
