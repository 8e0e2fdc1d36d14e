//! Account identity (cross-signing) failures a UI branches on.

/// Why a conversation cannot go on until the person acts, or why an identity operation
/// could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The other person's account identity is not the pinned one any more: sending stops
    /// (messages stay queued) until the person compares the safety number and accepts it.
    #[error("the other person's identity changed; compare the safety number and accept it")]
    Changed,
    /// The recipient has no device signed by their pinned account identity yet.
    #[error("the recipient has no device signed by their account identity yet")]
    NoSignedDevice,
    /// No account identity is known for the other person yet (no contact so far).
    #[error("no identity is known for this conversation yet; sync first")]
    NotPinned,
    /// There is no identity change waiting to be accepted.
    #[error("the identity has not changed")]
    NoChange,
}
