//! Mixed push/pull load: each client thread has its own account and device, and alternates
//! pushing one new ~500-byte sealed-looking record with pulling from its cursor.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Which load run this is in the process (usernames stay unique on a shared database).
static RUN: AtomicUsize = AtomicUsize::new(0);
use std::time::{Duration, Instant};

use base64::Engine as _;
use solace_protocol as p;

/// Throughput and latency.
pub struct LoadResult {
    /// Completed requests per second.
    pub requests_per_second: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
    /// Failed requests.
    pub errors: u64,
}

fn post<T: serde::de::DeserializeOwned>(
    c: &reqwest::blocking::Client,
    url: &str,
    token: Option<&str>,
    body: &impl serde::Serialize,
) -> Result<T, String> {
    let mut req = c.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("status {}", resp.status()));
    }
    resp.json().map_err(|e| e.to_string())
}

/// Registers `user` (auth key filled with `key_byte`, one items key) on `base`.
pub fn register(
    c: &reqwest::blocking::Client,
    base: &str,
    user: &str,
    key_byte: u8,
) -> Result<p::SessionResponse, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    post(
        c,
        &format!("{base}/v1/accounts/register"),
        None,
        &p::RegisterRequest {
            account_proof_verifier: None,
            username: user.to_owned(),
            auth_key: hex::encode([key_byte; 32]).into(),
            kdf: p::WireKdf {
                memory_kib: 65536,
                iterations: 3,
                parallelism: 1,
            },
            salt: hex::encode([1u8; 16]),
            wrapped_account_key: b64.encode([2u8; 77]),
            items_keys: vec![p::WireItemsKey {
                key_id: 1,
                wrapped: b64.encode([3u8; 77]),
            }],
            device_name: "load".into(),
            recovery_wrapped_account_key: None,
        },
    )
}

fn client_loop(
    base: &str,
    n: usize,
    until: Instant,
    samples: &Mutex<Vec<Duration>>,
    errors: &Mutex<u64>,
) -> Result<(), String> {
    let c = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(2)
        .build()
        .map_err(|e| e.to_string())?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let user = format!(
        "load{n}x{}r{}",
        std::process::id(),
        RUN.load(Ordering::Relaxed)
    );
    let session = register(&c, base, &user, n as u8)?;
    let token = session.token;
    let blob = b64.encode(vec![0x5a_u8; 500]);
    let (mut cursor, mut seq, mut local) = (0u64, 0u64, Vec::with_capacity(4096));
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        let started = Instant::now();
        let ok = if i.is_multiple_of(2) {
            seq += 1;
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&(n as u64).to_le_bytes());
            id[8..].copy_from_slice(&seq.to_le_bytes());
            let req = p::PushRequest {
                mutations: vec![p::Mutation {
                    mutation_seq: seq,
                    id: hex::encode(id).parse().expect("32 hex characters"),
                    kind: "mood".into(),
                    base_seq: 0,
                    blob: blob.parse().expect("canonical base64"),
                    deleted: false,
                }],
            };
            post::<p::PushResponse>(&c, &format!("{base}/v1/sync/push"), Some(&token), &req).is_ok()
        } else {
            match post::<p::PullResponse>(
                &c,
                &format!("{base}/v1/sync/pull"),
                Some(&token),
                &p::PullRequest { cursor, limit: 100 },
            ) {
                Ok(page) => {
                    cursor = page.next_cursor;
                    true
                }
                Err(_) => false,
            }
        };
        if ok {
            local.push(started.elapsed());
        } else if let Ok(mut e) = errors.lock() {
            *e += 1;
        }
    }
    if let Ok(mut s) = samples.lock() {
        s.extend(local);
    }
    Ok(())
}

/// Runs `clients` threads against `bases` (client `n` talks to `bases[n % len]`, as a
/// balancer would spread them) for `duration`.
pub fn run(
    bases: &[String],
    clients: usize,
    duration: Duration,
) -> Result<LoadResult, Box<dyn std::error::Error>> {
    if bases.is_empty() {
        return Err("no server to load".into());
    }
    RUN.fetch_add(1, Ordering::Relaxed);
    let samples = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(0u64));
    let until = Instant::now() + duration;
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|n| {
            let (base, samples, errors) = (
                bases[n % bases.len()].clone(),
                Arc::clone(&samples),
                Arc::clone(&errors),
            );
            std::thread::spawn(move || client_loop(&base, n, until, &samples, &errors))
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "a load thread panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut s = samples.lock().map_err(|_| "poisoned")?.clone();
    s.sort_unstable();
    let pct = |q: f64| {
        s.get(((s.len().saturating_sub(1)) as f64 * q).round() as usize)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    let errors = *errors.lock().map_err(|_| "poisoned")?;
    Ok(LoadResult {
        requests_per_second: s.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors,
    })
}
