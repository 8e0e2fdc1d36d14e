//! A therapist's private notes about a client: a record kind of their own (`client_note`),
//! sealed like every record, so they sync to the therapist's other devices and the provider
//! sees only ciphertext. No share path reads this kind: nothing sends a note to anyone.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, InputProblem, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: u32 = 20_000;

/// One private note about one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientNote {
    /// The record id.
    pub id: RecordId,
    /// The client's account id.
    pub client_account: String,
    /// The note.
    pub text: String,
    /// When it was written.
    pub created_at: DateTime<FixedOffset>,
    /// When it was last changed.
    pub updated_at: DateTime<FixedOffset>,
}

impl ClientNote {
    /// The rules every note keeps (also what an import checks).
    pub fn check(&self) -> Result<()> {
        check_text(&self.text)?;
        if self.client_account.trim().is_empty() {
            return Err(CoreError::invalid("client", InputProblem::Empty));
        }
        Ok(())
    }
}

fn check_text(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(CoreError::invalid("note", InputProblem::Empty));
    }
    if text.chars().count() > MAX_NOTE_CHARS as usize {
        return Err(CoreError::invalid(
            "note",
            InputProblem::TooLong {
                max: MAX_NOTE_CHARS,
            },
        ));
    }
    Ok(())
}

fn now() -> DateTime<FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

/// Writes a new note about `client_account`.
pub fn add(store: &mut Store, client_account: &str, text: &str) -> Result<ClientNote> {
    let note = ClientNote {
        id: RecordId::generate()?,
        client_account: client_account.to_owned(),
        text: text.trim().to_owned(),
        created_at: now(),
        updated_at: now(),
    };
    note.check()?;
    store.put(RecordKind::ClientNote, &note.id, &note)?;
    Ok(note)
}

/// Replaces the text of note `id`.
pub fn update(store: &mut Store, id: &RecordId, text: &str) -> Result<ClientNote> {
    let mut note: ClientNote = store
        .get(RecordKind::ClientNote, id)?
        .ok_or(CoreError::NotFound("note"))?;
    note.text = text.trim().to_owned();
    note.updated_at = now();
    note.check()?;
    store.put(RecordKind::ClientNote, id, &note)?;
    Ok(note)
}

/// Deletes note `id` (on every device at the next sync).
pub fn delete(store: &mut Store, id: &RecordId) -> Result<bool> {
    store.delete(RecordKind::ClientNote, id)
}

/// The notes about `client_account`, newest first.
pub fn list(store: &Store, client_account: &str) -> Result<Vec<ClientNote>> {
    let mut notes: Vec<ClientNote> = store
        .list::<ClientNote>(RecordKind::ClientNote)?
        .into_iter()
        .map(|(_, note)| note)
        .filter(|note| note.client_account == client_account)
        .collect();
    crate::sort::sort_by(&mut notes, |a, b| {
        b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id))
    });
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    #[test]
    fn notes_are_per_client_checked_and_editable() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) =
            Store::create(dir.path(), "velvet harbor pilgrim cactus", KdfParams::FLOOR).unwrap();
        let first = add(&mut store, "acct-sam", "  sleep is the lever  ").unwrap();
        assert_eq!(first.text, "sleep is the lever");
        add(&mut store, "acct-ana", "other client").unwrap();
        let second = add(&mut store, "acct-sam", "try behavioural activation").unwrap();
        let sam: Vec<String> = list(&store, "acct-sam")
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .collect();
        assert_eq!(sam, ["try behavioural activation", "sleep is the lever"]);
        assert!(add(&mut store, "acct-sam", "   ").is_err());
        assert!(add(
            &mut store,
            "acct-sam",
            &"x".repeat(MAX_NOTE_CHARS as usize + 1)
        )
        .is_err());
        let edited = update(&mut store, &second.id, "BA: one walk a day").unwrap();
        assert_eq!(edited.created_at, second.created_at);
        assert!(delete(&mut store, &first.id).unwrap());
        let left: Vec<String> = list(&store, "acct-sam")
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .collect();
        assert_eq!(left, ["BA: one walk a day"]);
    }
}
