//! Push hints: after a message lands in a device's mailbox the server may nudge the device to
//! fetch it. A hint carries only the device id and how many messages wait — no sender, no
//! content, no message id — so a push provider learns nothing beyond "this device has mail".

use std::sync::{Arc, Mutex};

use serde::Serialize;

/// "Device X has N messages waiting". Deliberately nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushHint {
    /// The device whose mailbox received a message.
    pub device_id: String,
    /// How many messages wait in that mailbox.
    pub waiting: u32,
}

/// Delivers push hints (to a platform push service, a queue, …).
///
/// Called on the request path after a send committed: implementations must not block (hand
/// the hint to a queue or task) and must not fail the send.
pub trait PushSender: Send + Sync {
    /// Delivers (or drops) one hint.
    fn hint(&self, hint: PushHint);
}

/// Sends nothing: the default; devices poll their inbox.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPush;

impl PushSender for NoPush {
    fn hint(&self, _hint: PushHint) {}
}

/// Keeps every hint in memory, for tests.
#[derive(Debug, Default)]
pub struct RecordingPush {
    hints: Mutex<Vec<PushHint>>,
}

impl RecordingPush {
    /// An empty recorder, shared (pass a clone to [`crate::spawn_with`], keep one to read).
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The hints recorded so far, oldest first.
    pub fn hints(&self) -> Vec<PushHint> {
        self.hints.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Returns and forgets the hints recorded so far.
    pub fn take(&self) -> Vec<PushHint> {
        self.hints
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default()
    }
}

impl PushSender for RecordingPush {
    fn hint(&self, hint: PushHint) {
        if let Ok(mut hints) = self.hints.lock() {
            hints.push(hint);
        }
    }
}
