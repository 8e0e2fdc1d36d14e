//! The load: a separate process that writes through the balancer while the faults happen.
//! Accounts with two devices each; per account one task pushes records (alternating
//! devices, one new record per push) and one sends messages from the first device to the
//! second. Every write is retried unchanged until acknowledged; each acknowledgement goes to
//! `DIR/ledger.jsonl`, the devices' tokens to `DIR/state.json`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use solace_protocol as p;
use solace_protocol::messaging as m;

use crate::client::Client;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One device's sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    /// Device id.
    pub device_id: String,
    /// Bearer token.
    pub token: String,
}

/// One account of the load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// Account id.
    pub account_id: String,
    /// Its two devices; messages go from the first to the second.
    pub devices: Vec<Device>,
}

/// One acknowledged write.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Acked {
    /// A record (by id) of an account.
    Record {
        /// Index into the accounts.
        account: usize,
        /// Record id.
        id: String,
    },
    /// A message (by client message id) to an account's second device.
    Message {
        /// Index into the accounts.
        account: usize,
        /// Client message id.
        id: String,
    },
}

/// What the load reports on its last line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Summary {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Writes acknowledged.
    pub acked: u64,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

struct Ledger(
    Mutex<std::io::BufWriter<std::fs::File>>,
    std::sync::atomic::AtomicU64,
);

impl Ledger {
    fn add(&self, entry: &Acked) {
        if let (Ok(mut w), Ok(line)) = (self.0.lock(), serde_json::to_string(entry)) {
            let _ = writeln!(w, "{line}");
        }
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Registers account `index` with two devices and publishes the first one's identity key,
/// which it returns (the sender key of its sends).
async fn setup(client: &Client, run: &str, index: usize) -> Result<(Account, String), String> {
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    let username = format!("chaos.{run}.{index}");
    let auth_key = random_hex(32);
    let register = p::RegisterRequest {
        account_proof_verifier: None,
        username: username.clone(),
        auth_key: auth_key.clone().into(),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: random_hex(16),
        wrapped_account_key: B64.encode([1u8; 77]),
        items_keys: vec![],
        device_name: "chaos one".into(),
        recovery_wrapped_account_key: None,
    };
    let first: p::SessionResponse = client
        .post_until("/v1/accounts/register", None, &register, until)
        .await
        .map_err(|e| format!("register: {e}"))?;
    let login = p::LoginRequest {
        device_id: None,
        account_proof_verifier: None,
        username,
        auth_key: auth_key.into(),
        device_name: "chaos two".into(),
    };
    let second: p::SessionResponse = client
        .post_until("/v1/accounts/login", None, &login, until)
        .await
        .map_err(|e| format!("login: {e}"))?;
    let mut identity = [0u8; 32];
    let _ = getrandom::fill(&mut identity);
    let keys = m::DeviceKeysUpload {
        identity: m::WireIdentity {
            curve25519: B64.encode(identity),
            ed25519: B64.encode([0x78; 32]),
        },
        one_time_keys: vec![],
        account_signature: None,
        device_list: None,
        fallback_key: None,
    };
    client
        .put("/v1/keys/device", first.token.expose(), &keys)
        .await
        .map_err(|e| format!("keys: {e}"))?;
    let account = Account {
        account_id: first.account_id.clone(),
        devices: vec![
            Device {
                device_id: first.device_id.clone(),
                token: first.token.expose().to_owned(),
            },
            Device {
                device_id: second.device_id.clone(),
                token: second.token.expose().to_owned(),
            },
        ],
    };
    Ok((account, B64.encode(identity)))
}

async fn records(
    client: Client,
    account: Account,
    index: usize,
    ledger: Arc<Ledger>,
    end: tokio::time::Instant,
) {
    let mut seqs = [0u64; 2];
    let mut n = 0usize;
    while tokio::time::Instant::now() < end {
        let d = n % 2;
        n += 1;
        seqs[d] += 1;
        let id = random_hex(16);
        let push = p::PushRequest {
            mutations: vec![p::Mutation {
                mutation_seq: seqs[d],
                id: match id.parse() {
                    Ok(id) => id,
                    Err(_) => continue,
                },
                kind: "journal".into(),
                base_seq: 0,
                blob: match B64.encode(format!("sealed {id}")).parse() {
                    Ok(b) => b,
                    Err(_) => continue,
                },
                deleted: false,
            }],
        };
        let token = account.devices[d].token.clone();
        match client
            .post_until::<_, p::PushResponse>(
                "/v1/sync/push",
                Some(&token),
                &push,
                end + Duration::from_secs(20),
            )
            .await
        {
            Ok(answer) => {
                if answer.results.iter().any(|r| {
                    matches!(
                        r,
                        p::MutationResult::Applied { .. } | p::MutationResult::Duplicate { .. }
                    )
                }) {
                    ledger.add(&Acked::Record { account: index, id });
                }
            }
            Err(_) => return,
        }
    }
}

async fn messages(
    client: Client,
    account: Account,
    index: usize,
    sender_key: String,
    ledger: Arc<Ledger>,
    end: tokio::time::Instant,
) {
    let mut n = 0u64;
    while tokio::time::Instant::now() < end {
        n += 1;
        let id = format!("m{index}-{n}");
        let send = m::SendRequest {
            recipient_account: account.account_id.clone(),
            client_message_id: id.clone(),
            sender_key: sender_key.clone(),
            envelopes: vec![m::OutgoingEnvelope {
                device_id: account.devices[1].device_id.clone(),
                kind: 0,
                body: B64.encode(format!("olm {id}")),
            }],
        };
        match client
            .post_until::<_, m::SendResponse>(
                "/v1/messages/send",
                Some(&account.devices[0].token),
                &send,
                end + Duration::from_secs(20),
            )
            .await
        {
            Ok(answer) if answer.delivered_to.contains(&account.devices[1].device_id) => {
                ledger.add(&Acked::Message { account: index, id });
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// `solace-chaos load --url URL --seconds S --dir DIR [--accounts N]`.
pub async fn run(args: &[String]) -> Result<(), String> {
    let url = crate::flag(args, "--url").ok_or("--url is required")?;
    let seconds: u64 = crate::flag(args, "--seconds")
        .unwrap_or("40")
        .parse()
        .map_err(|_| "--seconds")?;
    let accounts: usize = crate::flag(args, "--accounts")
        .unwrap_or("4")
        .parse()
        .map_err(|_| "--accounts")?;
    let dir = PathBuf::from(crate::flag(args, "--dir").ok_or("--dir is required")?);
    let client = Client::new(url);
    let run = random_hex(4);
    let mut set = Vec::new();
    let mut keys = Vec::new();
    for i in 0..accounts {
        let (account, key) = setup(&client, &run, i).await?;
        keys.push(key);
        set.push(account);
    }
    write_json(&dir.join("state.json"), &set)?;
    let file = std::fs::File::create(dir.join("ledger.jsonl")).map_err(|e| e.to_string())?;
    let ledger = Arc::new(Ledger(
        Mutex::new(std::io::BufWriter::new(file)),
        Default::default(),
    ));
    // The orchestrator starts the fault clock on this line.
    println!("ready");
    let end = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, account) in set.iter().enumerate() {
        tasks.push(tokio::spawn(records(
            client.clone(),
            account.clone(),
            i,
            ledger.clone(),
            end,
        )));
        tasks.push(tokio::spawn(messages(
            client.clone(),
            account.clone(),
            i,
            keys[i].clone(),
            ledger.clone(),
            end,
        )));
    }
    for t in tasks {
        let _ = t.await;
    }
    if let Ok(mut w) = ledger.0.lock() {
        w.flush().map_err(|e| e.to_string())?;
    }
    let summary = Summary {
        requests: client.requests.load(std::sync::atomic::Ordering::Relaxed),
        acked: ledger.1.load(std::sync::atomic::Ordering::Relaxed),
    };
    println!(
        "{}",
        serde_json::to_string(&summary).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
