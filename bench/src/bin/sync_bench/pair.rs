//! A therapist and a client, each registered with a fresh store, linked and introduced
//! (profile published, link accepted, one messaging round each) — the starting point of the
//! message benchmarks.

use std::path::Path;

use solace_core::crypto::kdf::KdfParams;
use solace_core::messaging::Messenger;
use solace_core::sync::{self, Exclusive, HttpTransport};
use solace_core::Store;
use solace_protocol::messaging as m;

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const PASS: &str = "bench messaging velvet harbor pilgrim";

/// A linked therapist–client pair.
pub struct LinkedPair {
    /// The therapist's store.
    pub therapist: Store,
    /// The client's store.
    pub client: Store,
    /// The therapist's account id.
    pub therapist_id: String,
    /// The client's account id.
    pub client_id: String,
}

fn account_id(store: &Store) -> BoxResult<String> {
    Ok(store.sync_account()?.ok_or("not registered")?.0.account_id)
}

/// Creates both stores under `dir` (`<tag>-therapist`, `<tag>-client`), registers them at
/// `url` under names unique to this run (a PostgreSQL database outlives one run), and links
/// them, directly against the server.
pub fn link(url: &str, dir: &Path, tag: &str, therapist_name: &str) -> BoxResult<LinkedPair> {
    let t = HttpTransport::new(url)?;
    let msg = Messenger::new(&t);
    let (mut therapist, _) = Store::create(
        &dir.join(format!("{tag}-therapist")),
        PASS,
        KdfParams::FLOOR,
    )?;
    let (mut client, _) =
        Store::create(&dir.join(format!("{tag}-client")), PASS, KdfParams::FLOOR)?;
    let run_id = chrono::Utc::now().timestamp_millis();
    sync::register(
        &mut therapist,
        &t,
        url,
        &format!("{tag}-t-{run_id}"),
        PASS,
        "office",
    )?;
    sync::register(
        &mut client,
        &t,
        url,
        &format!("{tag}-c-{run_id}"),
        PASS,
        "phone",
    )?;
    msg.publish_profile(
        &Exclusive::new(&mut therapist),
        &m::TherapistProfile {
            display_name: therapist_name.into(),
            bio: String::new(),
            specialties: vec![],
            approaches: vec![],
            languages: vec![],
            slots: vec![],
            response_window_hours: None,
            formats: vec![],
            coverage: None,
        },
    )?;
    let therapist_id = account_id(&therapist)?;
    let link = msg.request_link(&Exclusive::new(&mut client), &therapist_id)?;
    msg.accept_link(&Exclusive::new(&mut therapist), &link.link_id)?;
    msg.sync(&Exclusive::new(&mut therapist))?;
    msg.sync(&Exclusive::new(&mut client))?;
    Ok(LinkedPair {
        client_id: account_id(&client)?,
        therapist_id,
        therapist,
        client,
    })
}
