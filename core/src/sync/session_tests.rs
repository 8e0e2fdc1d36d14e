//! Token lifetime, re-login, proofs and revocation against a small token-aware test server
//! (records are delegated to the in-memory fake; this one models tokens, devices and proofs).

use crate::error::TransportError;
use std::cell::RefCell;
use std::collections::HashMap;

use sha2::{Digest, Sha256};
use solace_protocol as p;

use super::fake::FakeServer;
use super::session::{parse_expiry, refresh_due, refresh_if_due};
use super::*;
use crate::crypto::kdf::KdfParams;
use crate::journal::{self, JournalBody, JournalDraft};
use crate::store::sync_state::TokenTimes;

const PASS: &str = "session test passphrase";

#[derive(Default)]
struct Tokens {
    /// token → (device id, expiry in Unix seconds)
    live: HashMap<String, (String, i64)>,
    devices: Vec<(String, bool)>,
    verifier: Option<String>,
    next: u32,
    refreshes: u32,
    revokes: Vec<p::RevokeRequest>,
    credentials: Vec<p::CredentialsUpdate>,
    logins: Vec<p::LoginRequest>,
    /// The auth key the server knows now (hex), and whether the account was deleted.
    auth_key: String,
    deleted: bool,
}

/// Records go to the fake; tokens, devices and proofs are checked here like the real server.
struct TokenServer {
    data: FakeServer,
    ttl: i64,
    state: RefCell<Tokens>,
}

impl TokenServer {
    fn new(ttl: i64) -> Self {
        Self {
            data: FakeServer::default(),
            ttl,
            state: RefCell::new(Tokens::default()),
        }
    }

    fn issue(&self, device_id: Option<String>) -> p::SessionResponse {
        let mut s = self.state.borrow_mut();
        s.next += 1;
        let device_id = device_id.unwrap_or_else(|| format!("dev{}", s.next));
        if !s.devices.iter().any(|(d, _)| *d == device_id) {
            s.devices.push((device_id.clone(), false));
        }
        let token = format!("tok{}", s.next);
        let expires = session::unix_now() + self.ttl;
        s.live.insert(token.clone(), (device_id.clone(), expires));
        p::SessionResponse {
            account_id: "acct".into(),
            device_id,
            token: token.into(),
            expires_at: expires.to_string(),
        }
    }

    fn check(&self, token: &str) -> Result<String> {
        let s = self.state.borrow();
        match s.live.get(token) {
            Some((device, exp)) if *exp > session::unix_now() => {
                let revoked = s.devices.iter().any(|(d, r)| d == device && *r);
                if revoked {
                    Err(CoreError::Transport(TransportError::Unauthorized))
                } else {
                    Ok(device.clone())
                }
            }
            _ => Err(CoreError::Transport(TransportError::Unauthorized)),
        }
    }

    fn proof_ok(&self, proof: Option<&p::SecretString>) -> bool {
        let s = self.state.borrow();
        match (proof, &s.verifier) {
            (Some(proof), Some(v)) => {
                hex::encode(Sha256::digest(
                    hex::decode(proof.expose()).unwrap_or_default(),
                )) == *v
            }
            _ => false,
        }
    }

    fn expire_all(&self) {
        for (_, exp) in self.state.borrow_mut().live.values_mut() {
            *exp = 0;
        }
    }
}

impl Transport for TokenServer {
    fn prelogin(&self, req: &p::PreloginRequest) -> Result<p::PreloginResponse> {
        self.data.prelogin(req)
    }
    fn register(&self, req: &p::RegisterRequest) -> Result<p::SessionResponse> {
        self.data.register(req)?;
        self.state.borrow_mut().verifier = req.account_proof_verifier.clone();
        self.state.borrow_mut().auth_key = req.auth_key.expose().to_owned();
        Ok(self.issue(None))
    }
    fn login(&self, req: &p::LoginRequest) -> Result<p::SessionResponse> {
        self.data.login(req)?;
        self.state.borrow_mut().logins.push(req.clone());
        let known = req.device_id.clone().filter(|d| {
            self.state
                .borrow()
                .devices
                .iter()
                .any(|(id, revoked)| id == d && !revoked)
        });
        Ok(self.issue(known))
    }
    fn account_keys(&self, token: &str) -> Result<p::AccountKeys> {
        self.check(token)?;
        self.data.account_keys(token)
    }
    fn upload_items_keys(&self, token: &str, req: &p::ItemsKeysUpload) -> Result<()> {
        self.check(token)?;
        self.data.upload_items_keys(token, req)
    }
    fn update_credentials(&self, token: &str, req: &p::CredentialsUpdate) -> Result<()> {
        self.check(token)?;
        if !self.proof_ok(req.account_proof.as_ref()) {
            return Err(CoreError::Transport(TransportError::Rejected {
                code: "proof_required".into(),
                message: "proof required".into(),
            }));
        }
        self.state.borrow_mut().credentials.push(req.clone());
        self.state.borrow_mut().auth_key = req.auth_key.expose().to_owned();
        self.data.update_credentials(token, req)
    }
    fn pull(&self, token: &str, req: &p::PullRequest) -> Result<p::PullResponse> {
        self.check(token)?;
        self.data.pull(token, req)
    }
    fn push(&self, token: &str, req: &p::PushRequest) -> Result<p::PushResponse> {
        let device = self.check(token)?;
        self.data.push(&device, req)
    }
    fn refresh(&self, token: &str) -> Result<p::SessionResponse> {
        let device = self.check(token)?;
        self.state.borrow_mut().refreshes += 1;
        self.state.borrow_mut().live.remove(token);
        Ok(self.issue(Some(device)))
    }
    fn devices(&self, token: &str) -> Result<p::DeviceList> {
        self.check(token)?;
        Ok(p::DeviceList {
            devices: self
                .state
                .borrow()
                .devices
                .iter()
                .map(|(id, revoked)| p::DeviceInfo {
                    device_id: id.clone(),
                    name: "device".into(),
                    revoked: *revoked,
                    last_mutation_seq: 0,
                })
                .collect(),
        })
    }
    fn delete_account(&self, token: &str, req: &p::DeleteAccountRequest) -> Result<()> {
        self.check(token)?;
        let mut s = self.state.borrow_mut();
        if req.current_auth_key.expose() != s.auth_key {
            return Err(CoreError::Transport(TransportError::Rejected {
                code: "proof_required".into(),
                message: "proof required".into(),
            }));
        }
        s.deleted = true;
        s.live.clear();
        Ok(())
    }
    fn revoke(&self, token: &str, req: &p::RevokeRequest) -> Result<()> {
        let me = self.check(token)?;
        if !self.proof_ok(req.account_proof.as_ref()) {
            return Err(CoreError::Transport(TransportError::Rejected {
                code: "proof_required".into(),
                message: "proof required".into(),
            }));
        }
        let mut s = self.state.borrow_mut();
        s.revokes.push(req.clone());
        for (id, revoked) in s.devices.iter_mut() {
            if (req.all_other_devices && *id != me) || *id == req.device_id {
                *revoked = true;
            }
        }
        Ok(())
    }
}

fn note(store: &mut Store, text: &str) {
    let draft = JournalDraft {
        title: None,
        body: JournalBody::Free { text: text.into() },
        tags: vec![],
    };
    journal::add(store, draft, chrono::Utc::now().fixed_offset()).unwrap();
}

fn registered(server: &TokenServer) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut a, server, "http://127.0.0.1:1", "ana", PASS, "phone").unwrap();
    (dir, a)
}

#[test]
fn expiry_parses_unix_seconds_and_rfc3339() {
    assert_eq!(parse_expiry("1700000000"), Some(1_700_000_000));
    assert_eq!(parse_expiry("1970-01-01T00:01:40Z"), Some(100));
    assert_eq!(parse_expiry("soon"), None);
}

#[test]
fn refresh_is_due_once_at_most_half_the_lifetime_remains() {
    let times = TokenTimes {
        issued_at: Some(1000),
        expires_at: Some(1010),
    };
    assert!(!refresh_due(times, 1000));
    assert!(!refresh_due(times, 1004));
    // Whole seconds: at exactly half, refresh (a later check might already be too late).
    assert!(refresh_due(times, 1005));
    assert!(refresh_due(times, 1006));
    assert!(refresh_due(times, 2000));
    assert!(!refresh_due(TokenTimes::default(), 5000));
    let no_issue = TokenTimes {
        issued_at: None,
        expires_at: Some(1010),
    };
    assert!(!refresh_due(no_issue, 1009) && refresh_due(no_issue, 1010));
}

#[test]
fn register_stores_times_and_the_proof_verifier_matches_the_proof() {
    let server = TokenServer::new(3600);
    let (_dir, a) = registered(&server);
    let times = a.token_times().unwrap();
    let (issued, expires) = (times.issued_at.unwrap(), times.expires_at.unwrap());
    assert_eq!(expires - issued, 3600);
    let proof = a.account_proof().unwrap();
    assert_eq!(
        server.state.borrow().verifier.as_deref(),
        Some(hex::encode(Sha256::digest(proof.as_bytes())).as_str())
    );
    assert_eq!(proof_verifier(&a).unwrap().len(), 64);
}

#[test]
fn refresh_if_due_uses_the_injected_clock() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    let issued = a.token_times().unwrap().issued_at.unwrap();
    let before = a.sync_account().unwrap().unwrap().1.to_string();
    let mut called = false;
    let refreshed = refresh_if_due(
        &mut a,
        |_| {
            called = true;
            Err(CoreError::Transport(TransportError::Unauthorized))
        },
        issued + 1000,
    )
    .unwrap();
    assert!(!refreshed && !called, "not due yet: no request");
    assert!(refresh_if_due(&mut a, |t| server.refresh(t), issued + 2000).unwrap());
    let after = a.sync_account().unwrap().unwrap().1.to_string();
    assert_ne!(before, after);
    assert_eq!(a.token_times().unwrap().issued_at, Some(issued + 2000));
    assert!(server.check(&after).is_ok() && server.check(&before).is_err());
}

#[test]
fn transient_refresh_failure_keeps_a_valid_token_and_refusal_is_unauthorized() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    let t = a.token_times().unwrap();
    let (issued, expires) = (t.issued_at.unwrap(), t.expires_at.unwrap());
    let offline = |_: &str| -> Result<p::SessionResponse> {
        Err(CoreError::Transport(TransportError::Unreachable(None)))
    };
    assert!(!refresh_if_due(&mut a, offline, issued + 3000).unwrap());
    assert!(matches!(
        refresh_if_due(&mut a, offline, expires + 1),
        Err(CoreError::Transport(TransportError::Unreachable(_)))
    ));
    assert!(matches!(
        refresh_if_due(
            &mut a,
            |_| Err(CoreError::Transport(TransportError::Unauthorized)),
            issued + 3000
        ),
        Err(CoreError::Transport(TransportError::Unauthorized))
    ));
    let other_device = |_: &str| {
        Ok(p::SessionResponse {
            account_id: "acct".into(),
            device_id: "someone-else".into(),
            token: "t".into(),
            expires_at: (expires + 99).to_string(),
        })
    };
    assert!(refresh_if_due(&mut a, other_device, issued + 3000).is_err());
}

#[test]
fn sync_refreshes_a_token_past_half_life_and_uses_the_new_one() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    note(&mut a, "one");
    // A sync well inside the first half of the lifetime does not refresh.
    sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
    assert_eq!(server.state.borrow().refreshes, 0);
    // Pretend most of the lifetime has passed on the device clock.
    let (account, token) = a.sync_account().unwrap().unwrap();
    let now = session::unix_now();
    let aged = TokenTimes {
        issued_at: Some(now - 3000),
        expires_at: Some(now + 600),
    };
    a.set_sync_session(&account, &token, aged).unwrap();
    note(&mut a, "two");
    let report = sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
    assert_eq!(report.pushed, 1);
    assert_eq!(server.state.borrow().refreshes, 1);
    let fresh = a.sync_account().unwrap().unwrap().1.to_string();
    assert_ne!(fresh, token.to_string());
    assert!(server.check(&token).is_err(), "the old token was replaced");
    assert!(!session::refresh_due(
        a.token_times().unwrap(),
        session::unix_now()
    ));
}

#[test]
fn relogin_after_expiry_keeps_the_store_and_its_pending_edits() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    let device = a.sync_account().unwrap().unwrap().0.device_id;
    note(&mut a, "written while signed out");
    server.expire_all();
    assert!(matches!(
        sync_now(&mut a, &server, SyncBudget::unlimited()),
        Err(CoreError::Transport(TransportError::Unauthorized))
    ));
    assert!(matches!(
        relogin(&mut a, &server, "bob", PASS, "phone"),
        Err(CoreError::AccountMismatch)
    ));
    assert!(matches!(
        relogin(&mut a, &server, "ana", "not the passphrase", "phone"),
        Err(CoreError::WrongPassphrase)
    ));
    assert_eq!(a.pending_changes().unwrap(), 1);
    relogin(&mut a, &server, "ana", PASS, "phone").unwrap();
    let login = server.state.borrow().logins.last().cloned().unwrap();
    assert_eq!(login.device_id.as_deref(), Some(device.as_str()));
    assert_eq!(login.account_proof_verifier, server.state.borrow().verifier);
    assert_eq!(a.sync_account().unwrap().unwrap().0.device_id, device);
    let report = sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
    assert_eq!(report.pushed, 1);
    assert_eq!(a.pending_changes().unwrap(), 0);
    // The edit and the account identity pushed at register.
    assert_eq!(server.data.records().len(), 2);
}

#[test]
fn staged_credentials_carry_the_proofs_and_the_sign_out() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    let old = a.derive_with_passphrase(PASS).unwrap();
    let old_hex = hex::encode(old.auth_key.as_bytes());
    a.change_passphrase("second harbor lantern passphrase", KdfParams::FLOOR)
        .unwrap();
    let options = CredentialOptions {
        current_auth_key: Some(old.auth_key),
        sign_out_other_devices: true,
    };
    stage_credentials_with(&mut a, "second harbor lantern passphrase", &options).unwrap();
    // A second change before the sync keeps the first proof of the server's passphrase.
    a.change_passphrase("third meadow granite passphrase", KdfParams::FLOOR)
        .unwrap();
    let mid = a
        .derive_with_passphrase("third meadow granite passphrase")
        .unwrap();
    let options = CredentialOptions {
        current_auth_key: Some(mid.auth_key),
        sign_out_other_devices: false,
    };
    stage_credentials_with(&mut a, "third meadow granite passphrase", &options).unwrap();
    sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
    let sent = server.state.borrow().credentials.clone();
    assert_eq!(sent.len(), 1);
    let new = a
        .derive_with_passphrase("third meadow granite passphrase")
        .unwrap();
    assert_eq!(
        sent[0].auth_key.expose(),
        hex::encode(new.auth_key.as_bytes())
    );
    assert_eq!(sent[0].current_auth_key.as_deref(), Some(old_hex.as_str()));
    assert!(sent[0].sign_out_other_devices);
    assert_eq!(
        sent[0].account_proof.as_deref(),
        Some(hex::encode(a.account_proof().unwrap().as_bytes()).as_str())
    );
}

#[test]
fn revocation_sends_the_proof_and_never_targets_this_device() {
    let server = TokenServer::new(3600);
    let (dir, mut a) = registered(&server);
    let (mut b, _) = login_new_device(
        &dir.path().join("b"),
        &server,
        "http://127.0.0.1:1",
        "ana",
        PASS,
        "laptop",
        SyncBudget::unlimited(),
    )
    .unwrap();
    let me = a.sync_account().unwrap().unwrap().0.device_id;
    let other = b.sync_account().unwrap().unwrap().0.device_id;
    assert!(matches!(
        revoke(&mut a, &server, &RevokeTarget::Device(me.clone()), None),
        Err(CoreError::InvalidInput(_))
    ));
    assert_eq!(list_devices(&mut a, &server).unwrap().devices.len(), 2);
    revoke(&mut a, &server, &RevokeTarget::AllOthers, Some(PASS)).unwrap();
    let sent = server.state.borrow().revokes.last().cloned().unwrap();
    assert!(sent.all_other_devices && sent.current_auth_key.is_some());
    assert!(matches!(
        sync_now(&mut b, &server, SyncBudget::unlimited()),
        Err(CoreError::Transport(TransportError::Unauthorized))
    ));
    assert!(sync_now(&mut a, &server, SyncBudget::unlimited()).is_ok());
    let listed = list_devices(&mut a, &server).unwrap().devices;
    assert!(listed.iter().any(|d| d.device_id == other && d.revoked));
}

#[test]
fn deleting_the_account_needs_the_passphrase_and_leaves_a_local_only_store() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    note(&mut a, "kept on the device");
    sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
    assert_eq!(a.pending_changes().unwrap(), 0);
    let records = journal::list(&a, &Default::default()).unwrap().len();
    let cell = Exclusive::new(&mut a);
    assert!(matches!(
        delete_account_shared(&cell, &server, "not the passphrase at all"),
        Err(CoreError::WrongPassphrase)
    ));
    assert!(!server.state.borrow().deleted);
    assert!(a.sync_account().unwrap().is_some(), "still connected");
    let cell = Exclusive::new(&mut a);
    delete_account_shared(&cell, &server, PASS).unwrap();
    assert!(server.state.borrow().deleted);
    assert!(
        a.sync_account().unwrap().is_none(),
        "the connection is forgotten"
    );
    assert_eq!(a.sync_status().unwrap().cursor, 0);
    assert_eq!(
        journal::list(&a, &Default::default()).unwrap().len(),
        records
    );
    // Every record counts as never sent: registering this store again would send them all.
    assert_eq!(
        a.pending_changes().unwrap(),
        server.data.records().len() as u64
    );
    assert!(matches!(
        sync_now(&mut a, &server, SyncBudget::unlimited()),
        Err(CoreError::NotRegistered)
    ));
    let cell = Exclusive::new(&mut a);
    assert!(matches!(
        delete_account_shared(&cell, &server, PASS),
        Err(CoreError::NotRegistered)
    ));
}

#[test]
fn a_passphrase_change_waiting_on_this_device_reaches_the_server_before_the_deletion() {
    let server = TokenServer::new(3600);
    let (_dir, mut a) = registered(&server);
    let new = "fourth orchard compass passphrase";
    a.change_passphrase(new, KdfParams::FLOOR).unwrap();
    stage_credentials(&mut a, new).unwrap();
    let cell = Exclusive::new(&mut a);
    delete_account_shared(&cell, &server, new).unwrap();
    assert_eq!(server.state.borrow().credentials.len(), 1);
    assert!(server.state.borrow().deleted);
    for flag in account::CONNECTION_FLAGS {
        assert!(a.device_state(flag).unwrap().is_none(), "{flag}");
    }
}
