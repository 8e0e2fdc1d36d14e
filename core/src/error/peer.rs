//! A message (or published key) from another device that is at fault.

/// The peer's data is bad: it does not decrypt with a healthy local session, or it decrypts
/// to something malformed or misrouted. Only these failures let an inbound message be dropped
/// and acknowledged; every other failure is local and keeps the message on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerMessageError {
    /// The message failed authentication: tampered, replayed, or not for this device.
    #[error("a message did not decrypt (tampered, replayed or not for this device)")]
    Undecryptable,
    /// The message (or a part named here) is not well-formed.
    #[error("a received {0} is malformed")]
    Malformed(&'static str),
    /// The sender and id inside do not match the mailbox's routing.
    #[error("a message's routing does not match its content")]
    Misrouted,
    /// A device's published keys are malformed or its one-time key is not signed by it.
    #[error("a device's published keys do not verify")]
    BadDeviceKeys,
    /// The sending device is not signed by the sender's pinned account identity.
    #[error("a message came from a device its account did not sign")]
    UnsignedSender,
}
