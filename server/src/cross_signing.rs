//! Cross-signing fields of a key upload: the account identity's signature over the device and
//! the signed device list. The server only checks their shape and stores them; the devices
//! check the signatures (the server has no way to, and is not trusted to).

use solace_protocol::messaging as m;

use crate::error::ApiErr;
use crate::messaging_api::{b64_exact, plain_id};

/// Checks the shape of the account identity's signature and device list in an upload (the
/// devices check the signatures; the server cannot).
pub(crate) fn check_upload(req: &m::DeviceKeysUpload) -> Result<(), ApiErr> {
    if let Some(s) = &req.account_signature {
        b64_exact(&s.account_key, "account identity key", 32)?;
        b64_exact(&s.signature, "device signature", 64)?;
    }
    let Some(list) = &req.device_list else {
        return Ok(());
    };
    b64_exact(&list.account_key, "account identity key", 32)?;
    b64_exact(&list.signature, "device list signature", 64)?;
    let fits = list.device_ids.len() <= m::MAX_LISTED_DEVICES
        && (1..=i64::MAX as u64).contains(&list.version)
        && list.device_ids.iter().all(|id| plain_id(id));
    fits.then_some(())
        .ok_or_else(|| ApiErr::bad("a device list is malformed or too long"))
}
