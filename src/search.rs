//! Search: one tantivy index over customers, notes, interactions, complaints and templates,
//! Chinese-aware (jieba words, character bigrams, pinyin, simplified/traditional and full-width
//! folding), kept encrypted beside the database (`encrypted_dir`), and fed from the database's
//! durable queue (`index`). The database is the truth: the index can always be rebuilt from it.

mod analyzer;
mod encrypted_dir;
mod index;
mod locks;
mod overlay_dir;
mod query;
mod schema;

pub use encrypted_dir::EncryptedDirectory;
pub use index::{IndexReport, SearchHit, SearchIndex};
pub use query::{FilterKind, SearchQuery};

use crate::store::StoreError;

/// What can go wrong searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// An inline filter whose value is not one it takes (`grade:gold`, `after:someday`).
    #[error("invalid search: {reason}")]
    Query { filter: FilterKind, value: String, reason: String },
    /// The index cannot be used as it is and is rebuilt from the database.
    #[error("the search index must be rebuilt: {0}")]
    Rebuild(String),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
}

impl From<tantivy::directory::error::OpenReadError> for SearchError {
    fn from(e: tantivy::directory::error::OpenReadError) -> Self {
        SearchError::Index(e.into())
    }
}

impl SearchError {
    /// Damage a rebuild from the database repairs (unreadable or unauthenticated index data).
    pub fn needs_rebuild(&self) -> bool {
        match self {
            SearchError::Rebuild(_) => true,
            SearchError::Index(e) => !matches!(e, tantivy::TantivyError::InvalidArgument(_)),
            SearchError::Io(_) => true,
            SearchError::Query { .. } | SearchError::Store(_) => false,
        }
    }
}
