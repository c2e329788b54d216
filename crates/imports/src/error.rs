//! Why an import as a whole stopped (a file's own problems are in its report instead).

use thiserror::Error;

use crate::inputs::InputError;

#[derive(Debug, Error)]
pub enum ImportError {
    /// The inputs cannot be imported at all (unreadable path, zip bomb…): the user's to fix.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The database failed: nothing of the file in progress is kept.
    #[error(transparent)]
    Store(#[from] medley_store::StoreError),
    #[error("the parsing task failed: {0}")]
    Task(String),
}
