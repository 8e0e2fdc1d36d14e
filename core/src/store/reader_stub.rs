//! Placeholder until reader handles land: no separate reader; the app reads via the writer.

use super::Store;
use crate::error::{CoreError, Result};

impl Store {
    /// A read-only handle on the same database (not available yet: always an error, so the
    /// application layer reads through the writer).
    pub fn open_reader(&self) -> Result<Store> {
        Err(CoreError::Internal("reader handles are not available"))
    }
}
