//! Account identity (cross-signing), pinning and safety numbers: what lets a sender encrypt
//! only to the devices the other person really has, whatever the server's key directory says.
//!
//! - [`account`]: the account's Ed25519 identity, a sealed synced record shared by the
//!   person's devices.
//! - [`device`]: the signed device record v1 (the identity's signature over one device).
//! - [`device_list`]: the signed, versioned device list v1.
//! - [`pins`]: the peer identities this device pinned, the signed devices it accepted, and
//!   the check applied to every list of devices the server hands out.
//! - [`safety`]: safety numbers and their QR payloads.
//! - [`verification`]: the synced "verified" mark for a peer identity.
//! - [`status`]: a conversation's identity as shown, verifying, accepting a change.

pub mod account;
pub mod device;
pub mod device_list;
pub mod pins;
pub mod safety;
pub mod status;
pub mod verification;

pub use account::AccountIdentity;
pub use pins::{CheckedDevices, PeerIdentity};
pub use safety::{safety_number, SafetyNumber};
pub use status::{accept_identity_change, identity_status, mark_verified, IdentityStatus};
