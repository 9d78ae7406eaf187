//! kehu (客户本): an encrypted, local-first customer notebook for salespeople.
//!
//! The core library: [`vault`] turns a master password into keys, [`store`] keeps every record
//! in one SQLCipher database, and [`Notebook`] puts them together in a folder. The CLI and the
//! desktop app are thin adapters over this API; neither holds logic of its own.

pub mod agenda;
pub mod backup;
#[cfg(feature = "bench")]
mod bench;
pub mod clock;
mod error;
pub mod files;
pub mod interop;
pub mod limits;
pub mod markdown;
mod notebook;
pub mod quality;
pub mod report;
pub mod rules;
pub mod search;
pub mod store;
pub mod vault;
mod vocab;

pub use error::{Error, ErrorCode, ErrorDetail, IoCause, Result};
pub use notebook::{DB_FILE, INDEX_DIR, LOCK_FILE, Notebook, NotebookCheck, NotebookRepair, default_notebook_dir};
