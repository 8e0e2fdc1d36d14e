//! Failures of the local encrypted store (SQLite and the files around it).

/// Why the local store could not do what was asked. Nothing here carries personal data:
/// SQLite errors name SQL and codes, never bound values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process (or another open handle) holds the store's writer lock, or SQLite
    /// reported the database busy or locked.
    #[error("the store is in use by another Solace process")]
    Busy,
    /// The disk is full; the transaction was rolled back and nothing was saved.
    #[error("the disk is full; nothing was saved")]
    DiskFull,
    /// The database file is damaged or is not a Solace store.
    #[error("the store file is damaged or not a Solace store")]
    Corrupt,
    /// A write reached a handle opened read-only (or a read-only file or file system).
    #[error("the store is open read-only; nothing was saved")]
    ReadOnly,
    /// The store was written by a newer version of Solace.
    #[error("the store uses schema version {found}, newer than this build supports ({supported})")]
    SchemaTooNew {
        /// Schema version on disk.
        found: i64,
        /// Newest schema version this build knows.
        supported: i64,
    },
    /// A write failed for a reason already reported elsewhere (for example a save whose
    /// cause was passed to the UI as text before it came back as an error).
    #[error("the store could not save")]
    WriteFailed,
    /// Any other SQLite failure; the SQLite error is the source.
    #[error("storage error")]
    Sqlite(#[source] rusqlite::Error),
}

impl StoreError {
    /// Whether trying the same operation again later can succeed (busy, disk full).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Busy | StoreError::DiskFull)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            _ => StoreError::Sqlite(err),
        }
    }
}
