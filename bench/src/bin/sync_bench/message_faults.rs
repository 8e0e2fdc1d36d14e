//! Messages through faults: client–therapist pairs exchange messages through [`FaultProxy`]
//! (lost responses, duplicated and delayed requests, reordered and repeated inbox answers)
//! while the server is killed and restarted once halfway. Afterwards every message must be on
//! the therapist's device exactly once and decryptable: the run reports undecryptable, lost
//! and duplicated messages, which must all be 0.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use solace_core::messaging::{local, MessageContent, MessageStatus, Messenger};
use solace_core::sync::{Exclusive, HttpTransport};
use solace_core::Store;

use crate::faults::FaultProxy;
use crate::server::Server;

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Messages a client writes before its next sync.
const BATCH: usize = 25;
/// How long the pairs may take to settle after the last message was written.
const SETTLE: Duration = Duration::from_secs(300);

/// The outcome of a run.
pub struct FaultRun {
    /// Messages written by clients.
    pub sent: usize,
    /// Distinct messages stored on the therapists' devices.
    pub delivered: usize,
    /// Inbound messages the devices could not decrypt (rejected or held).
    pub undecryptable: u64,
    /// Messages written but never stored on the recipient.
    pub lost: usize,
    /// Extra copies stored on the recipient.
    pub duplicated: usize,
    /// Faults the proxy injected, and requests it forwarded.
    pub faults: u64,
    /// Requests through the proxy.
    pub requests: u64,
    /// Server restarts during the run.
    pub restarts: u32,
    /// Wall time.
    pub seconds: f64,
}

struct Pair {
    index: usize,
    client: Store,
    therapist: Store,
    client_id: String,
    therapist_id: String,
}

/// Registers, links and introduces one pair directly against the server (no faults).
fn set_up(url: &str, dir: &Path, index: usize) -> BoxResult<Pair> {
    let linked = crate::pair::link(
        url,
        dir,
        &format!("f{index}"),
        &format!("Therapist {index}"),
    )?;
    Ok(Pair {
        index,
        client: linked.client,
        therapist: linked.therapist,
        client_id: linked.client_id,
        therapist_id: linked.therapist_id,
    })
}

fn text(pair: usize, n: usize) -> String {
    format!("pair {pair} message {n}: how did the breathing exercise go today?")
}

/// One messaging round for `store`; network trouble is expected here and only counted.
fn round(msg: &Messenger<'_>, store: &mut Store, undecryptable: &mut u64) -> BoxResult<()> {
    match msg.sync(&Exclusive::new(store)) {
        Ok((inbox, _)) => {
            *undecryptable += u64::from(inbox.rejected + inbox.held);
            Ok(())
        }
        Err(err) if err.is_transient() => Ok(()),
        Err(err) => Err(format!("messaging round failed: {}", err.report()).into()),
    }
}

/// What the therapist of `pair` stored: copies per message number.
fn received(pair: &Pair, per_pair: usize) -> BoxResult<HashMap<usize, usize>> {
    let mut copies = HashMap::new();
    for message in local::messages(&pair.therapist, &pair.client_id)? {
        if message.outgoing {
            continue;
        }
        if let MessageContent::Text { text: body } = &message.content {
            if let Some(n) = (0..per_pair).find(|&n| *body == text(pair.index, n)) {
                *copies.entry(n).or_insert(0) += 1;
            }
        }
    }
    Ok(copies)
}

fn client_settled(pair: &Pair) -> BoxResult<bool> {
    Ok(local::messages(&pair.client, &pair.therapist_id)?
        .iter()
        .all(|m| !m.outgoing || !matches!(m.status, MessageStatus::Queued | MessageStatus::Wedged)))
}

/// Writes `per_pair` messages through the proxy and lets the pair settle; returns
/// (undecryptable, copies per message).
fn exchange(
    mut pair: Pair,
    proxy: &str,
    per_pair: usize,
    written: &AtomicUsize,
) -> BoxResult<(u64, HashMap<usize, usize>)> {
    let t = HttpTransport::new(proxy)?;
    let msg = Messenger::new(&t);
    let mut undecryptable = 0;
    let mut n = 0;
    while n < per_pair {
        let end = (n + BATCH).min(per_pair);
        for k in n..end {
            local::send_text(&mut pair.client, &pair.therapist_id, &text(pair.index, k))?;
        }
        written.fetch_add(end - n, Ordering::Relaxed);
        n = end;
        round(&msg, &mut pair.client, &mut undecryptable)?;
        round(&msg, &mut pair.therapist, &mut undecryptable)?;
    }
    let deadline = Instant::now() + SETTLE;
    loop {
        round(&msg, &mut pair.client, &mut undecryptable)?;
        round(&msg, &mut pair.therapist, &mut undecryptable)?;
        let copies = received(&pair, per_pair)?;
        if (copies.len() == per_pair && client_settled(&pair)?) || Instant::now() > deadline {
            return Ok((undecryptable, copies));
        }
        // Entries that failed wait out their backoff (seconds).
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Runs `messages` messages over `pairs` pairs against a fresh server on `database`, with a
/// fault in `rate` of the requests and one server restart halfway.
pub fn run(
    solace: &Path,
    database: &str,
    dir: &Path,
    messages: usize,
    pairs: usize,
    rate: f64,
) -> BoxResult<FaultRun> {
    let started = Instant::now();
    let mut server = Server::start(solace, database, dir).map_err(|e| e.to_string())?;
    let proxy = FaultProxy::start(&server.url, rate, 0x5EED_F00D).map_err(|e| e.to_string())?;
    let pairs = pairs.max(1);
    let per_pair = messages.div_ceil(pairs);
    let mut set = Vec::new();
    for index in 0..pairs {
        set.push(set_up(&server.url, dir, index)?);
    }
    let written = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = set
        .into_iter()
        .map(|pair| {
            let written = Arc::clone(&written);
            let url = proxy.url.clone();
            std::thread::spawn(move || exchange(pair, &url, per_pair, &written))
        })
        .collect();
    let total = per_pair * pairs;
    let mut restarts = 0;
    while written.load(Ordering::Relaxed) < total / 2 && !workers.iter().all(|w| w.is_finished()) {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !workers.iter().all(|w| w.is_finished()) {
        server.restart().map_err(|e| e.to_string())?;
        restarts += 1;
    }
    let mut result = FaultRun {
        sent: total,
        delivered: 0,
        undecryptable: 0,
        lost: 0,
        duplicated: 0,
        faults: 0,
        requests: 0,
        restarts,
        seconds: 0.0,
    };
    for worker in workers {
        let (undecryptable, copies) = worker.join().map_err(|_| "a pair's thread panicked")??;
        result.undecryptable += undecryptable;
        result.delivered += copies.len();
        result.lost += per_pair - copies.len();
        result.duplicated += copies.values().map(|c| c - 1).sum::<usize>();
    }
    result.faults = proxy.counts.total();
    result.requests = proxy.counts.requests.load(Ordering::Relaxed);
    result.seconds = started.elapsed().as_secs_f64();
    Ok(result)
}
