//! The therapist report and files sent end to end: gathering the report's data once for
//! every front end (each draws it its own way; the CLI as a PDF), and queueing a file for a
//! conversation.

use chrono::{DateTime, FixedOffset};

use super::App;
use crate::error::Result;
use crate::messaging::{local, Message};
use crate::report::{self, TherapistReport};

impl App {
    /// The report for the `days` days ending on `now`'s date with the picked journal entries
    /// (full ids or prefixes; refused by position when one is unknown or not a journal entry).
    pub fn therapist_report(
        &self,
        days: u32,
        picks: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<TherapistReport> {
        self.read(|s| {
            let ids = report::resolve_entries(s, picks)?;
            report::build(s, now, days, &ids)
        })
    }

    /// Queues `bytes` as the file `name` (`media_type`) to the conversation with `peer`, split
    /// into parts sent in order by the next messaging round; shown as one message.
    pub fn send_attachment(
        &self,
        peer: &str,
        name: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Message> {
        self.write(|s| local::send_attachment(s, peer, name, media_type, bytes))
    }

    /// A complete attachment (sent from this device, or received whole and checked) and its
    /// file.
    pub fn attachment_file(
        &self,
        transfer_id: &str,
    ) -> Result<(Message, zeroize::Zeroizing<Vec<u8>>)> {
        self.read(|s| local::attachment_file(s, transfer_id))
    }
}
