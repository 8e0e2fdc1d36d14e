//! Solace core: the end-to-end encrypted store and the therapy-tool logic that every front end
//! (terminal client, Android, iOS) shares.
//!
//! Everything personal is sealed into [`crypto::envelope`] records before it reaches SQLite; only
//! record ids, kinds and sync metadata are stored in clear. The key hierarchy lives in [`vault`].
//! Domain modules ([`journal`], [`mood`], [`habits`]) work on decrypted values and never touch
//! SQL or keys directly.

// No std/parking_lot lock guard may live across an `.await` (the app layer's invariant:
// no lock is held while waiting).
#![deny(clippy::await_holding_lock)]

pub mod app;
pub mod assessments;
pub mod backup;
pub mod cancel;
pub mod crypto;
pub mod error;
pub mod export;
pub mod goals;
pub mod habits;
pub mod health;
pub mod import;
pub mod insights;
pub mod journal;
pub mod keystore;
pub mod messaging;
pub mod mood;
pub mod notes;
pub mod passphrase;
pub mod plans;
pub mod record;
pub mod reminders;
pub mod report;
pub mod reviews;
pub mod safety;
pub mod sessions;
mod sort;
pub mod store;
pub mod sync;
pub mod today;
pub mod vault;

pub use app::App;
pub use error::{CoreError, Result};
pub use keystore::{FileKeyStore, KeyStore, KeyStoreError, MemoryKeyStore};
pub use record::{RecordId, RecordKind};
pub use store::Store;
