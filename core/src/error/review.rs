//! Review failures a UI branches on (verified, unlinkable reviews: `crate::reviews`).

/// Why a review could not be written or a review token not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// The link with this therapist is still active: reviews open after it ends (therapists
    /// never solicit reviews from current clients).
    #[error("reviews open after the link ends")]
    LinkStillActive,
    /// This device knows no link with that therapist (sync first if one ended recently).
    #[error("no link with this therapist is known on this device; sync first")]
    NoLink,
    /// No unspent review token for that therapist: the link was shorter than the server's
    /// minimum, the therapist does not take reviews, no device synced during the link, or the
    /// review was written already.
    #[error("no review token for this therapist")]
    NoToken,
    /// The server used or published a review key that differs from the one it published for
    /// that period (a per-client key would link the review to its writer): nothing was sent.
    #[error("the server's review key differs from its published key; nothing was sent")]
    KeyMismatch,
    /// The server's blind signature did not verify under the published key.
    #[error("the server's review token did not verify")]
    BadToken,
}
