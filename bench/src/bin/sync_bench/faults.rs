//! A fault-injecting HTTP proxy in front of a real `solace server`: each request has a set
//! chance of one fault — the response lost after the server acted on it, the request delivered
//! twice, the request held back (so later ones overtake it), or an inbox answer with its
//! messages reordered and one of them repeated. Everything else passes through unchanged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Faults injected so far, by kind.
#[derive(Default)]
pub struct FaultCounts {
    /// Responses dropped after the server handled the request.
    pub lost_responses: AtomicU64,
    /// Requests delivered twice.
    pub duplicated: AtomicU64,
    /// Requests delayed (overtaken by later ones).
    pub delayed: AtomicU64,
    /// Inbox answers reordered with a repeated message.
    pub reordered: AtomicU64,
    /// Requests forwarded in all.
    pub requests: AtomicU64,
}

impl FaultCounts {
    /// All faults injected.
    pub fn total(&self) -> u64 {
        self.lost_responses.load(Ordering::Relaxed)
            + self.duplicated.load(Ordering::Relaxed)
            + self.delayed.load(Ordering::Relaxed)
            + self.reordered.load(Ordering::Relaxed)
    }
}

struct Shared {
    target: String,
    rate: f64,
    rng: Mutex<u64>,
    client: reqwest::Client,
    counts: Arc<FaultCounts>,
}

impl Shared {
    /// A uniform number in `[0, 1)` from a seeded xorshift (reproducible fault patterns).
    fn roll(&self) -> f64 {
        let mut state = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The proxy, serving on a loopback port from its own thread until the process ends.
pub struct FaultProxy {
    /// Base URL to give clients.
    pub url: String,
    /// What was injected.
    pub counts: Arc<FaultCounts>,
}

impl FaultProxy {
    /// Starts a proxy to `target` (a base URL) injecting a fault into a `rate` share of the
    /// requests, with the fault pattern drawn from `seed`.
    pub fn start(target: &str, rate: f64, seed: u64) -> Result<Self, Box<dyn std::error::Error>> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let counts = Arc::new(FaultCounts::default());
        let shared = Arc::new(Shared {
            target: target.trim_end_matches('/').to_owned(),
            rate,
            rng: Mutex::new(seed | 1),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            counts: Arc::clone(&counts),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let app = Router::new().fallback(move |method, uri, headers, body| {
                        let shared = Arc::clone(&shared);
                        async move { handle(&shared, method, uri, headers, body).await }
                    });
                    let _ = axum::serve(listener, app).await;
                });
            })?;
        Ok(Self { url, counts })
    }
}

/// One fault, or none.
#[derive(Clone, Copy)]
enum Fault {
    None,
    LoseResponse,
    Duplicate,
    Delay(Duration),
    Reorder,
}

async fn handle(
    shared: &Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.counts.requests.fetch_add(1, Ordering::Relaxed);
    let inbox = uri.path().ends_with("/messages/inbox");
    let fault = if shared.roll() >= shared.rate {
        Fault::None
    } else {
        match (shared.roll() * 4.0) as u32 {
            0 => Fault::LoseResponse,
            1 => Fault::Duplicate,
            2 if inbox => Fault::Reorder,
            _ => Fault::Delay(Duration::from_millis(20 + (shared.roll() * 180.0) as u64)),
        }
    };
    let counter = match fault {
        Fault::None => None,
        Fault::LoseResponse => Some(&shared.counts.lost_responses),
        Fault::Duplicate => Some(&shared.counts.duplicated),
        Fault::Delay(_) => Some(&shared.counts.delayed),
        Fault::Reorder => Some(&shared.counts.reordered),
    };
    if let Some(counter) = counter {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    if let Fault::Delay(pause) = fault {
        tokio::time::sleep(pause).await;
    }
    let forwarded = forward(shared, &method, &uri, &headers, &body).await;
    let forwarded = match (fault, forwarded) {
        (Fault::Duplicate, Ok(_)) => forward(shared, &method, &uri, &headers, &body).await,
        (_, other) => other,
    };
    let Ok((status, content_type, answer)) = forwarded else {
        return (StatusCode::BAD_GATEWAY, "upstream unavailable").into_response();
    };
    match fault {
        Fault::LoseResponse => (StatusCode::BAD_GATEWAY, "response lost").into_response(),
        Fault::Reorder if status.is_success() => {
            let shuffled = reorder_inbox(&answer).unwrap_or(answer);
            respond(status, content_type, shuffled)
        }
        _ => respond(status, content_type, answer),
    }
}

fn respond(status: StatusCode, content_type: Option<String>, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    if let Some(value) = content_type.and_then(|v| v.parse().ok()) {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, value);
    }
    response
}

async fn forward(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(StatusCode, Option<String>, Bytes), reqwest::Error> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = shared
        .client
        .request(method.clone(), format!("{}{path}", shared.target))
        .body(body.clone());
    for name in [
        axum::http::header::AUTHORIZATION,
        axum::http::header::CONTENT_TYPE,
    ] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let response = request.send().await?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((status, content_type, response.bytes().await?))
}

/// The inbox answer with its messages reversed and the first one repeated at the end.
fn reorder_inbox(answer: &[u8]) -> Option<Bytes> {
    let mut inbox: serde_json::Value = serde_json::from_slice(answer).ok()?;
    let messages = inbox.get_mut("messages")?.as_array_mut()?;
    messages.reverse();
    if let Some(first) = messages.first().cloned() {
        messages.push(first);
    }
    Some(Bytes::from(serde_json::to_vec(&inbox).ok()?))
}
