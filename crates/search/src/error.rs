//! The crate's error type.

/// Why a search or an index update failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed: building, writing, committing or reading the index.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}
