//! Disconnecting a store from its sync account (after the account was deleted on the
//! server): the data stays, the connection goes.

use super::Store;
use crate::error::Result;

impl Store {
    /// Forgets the sync account in one transaction: the server address, account name and
    /// ids, the sealed device token, the pull cursor and the mutation counter go, and every
    /// record's sync bookkeeping (server version, merge base, in-flight upload number) is
    /// cleared, so the store is a local-only store again whose records would all be sent as
    /// new if it were ever registered with an account. Records, messages, conversations and
    /// device-local secrets stay. Device-local sync flags are the caller's to clear (in the
    /// same [`Store::atomically`]).
    pub fn forget_sync_account(&mut self) -> Result<()> {
        self.atomically(|s| {
            s.conn.execute("DELETE FROM sync_state", [])?;
            s.conn.execute(
                "UPDATE records SET synced_counter = 0, server_seq = NULL, base_blob = NULL,
                     push_seq = NULL, push_counter = NULL, base_version = 0",
                [],
            )?;
            Ok(())
        })
    }
}
