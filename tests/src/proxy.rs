//! A hostile HTTP proxy in front of a real server: devices talk to it as if it were the
//! server. Honest, it forwards every request unchanged. In [`Mode::DuplicateEverything`] it
//! swallows every push (the real server never sees it) and answers that each mutation is a
//! `duplicate` already applied — the lie a server tells to make a device drop its edits. In
//! [`Mode::AlwaysChanged`] every live-update wait is answered at once with "changed".
//!
//! Plain HTTP/1.1 over std threads: one request per connection (`Connection: close`), bodies
//! framed by `Content-Length`, forwarded with a blocking reqwest client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How the proxy answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Forward everything unchanged.
    Honest = 0,
    /// Answer every push with `duplicate` results without forwarding it.
    DuplicateEverything = 1,
    /// Answer every live-update wait at once with "records and messages changed" (a broken
    /// or hostile server trying to keep a watching device busy).
    AlwaysChanged = 2,
}

/// A running proxy; stops accepting on drop.
pub struct Proxy {
    /// The URL devices use instead of the server's.
    pub url: String,
    mode: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Proxy {
    /// Starts a proxy for the server at `upstream` (e.g. `http://127.0.0.1:4000`).
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let mode = Arc::new(AtomicU8::new(Mode::Honest as u8));
        let stop = Arc::new(AtomicBool::new(false));
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("proxy client");
        let (m, s, up) = (mode.clone(), stop.clone(), upstream.to_owned());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (m, up, client) = (m.clone(), up.clone(), client.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &up, &client, &m);
                });
            }
        });
        Proxy {
            url: format!("http://127.0.0.1:{port}"),
            mode,
            stop,
            port,
        }
    }

    /// Changes how the proxy answers from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    conn: TcpStream,
    upstream: &str,
    client: &reqwest::blocking::Client,
    mode: &AtomicU8,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = match (parts.next(), parts.next()) {
        (Some(m), Some(p)) => (m.to_owned(), p.to_owned()),
        _ => return Ok(()),
    };
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;

    let mode = mode.load(Ordering::SeqCst);
    let duplicate = mode == Mode::DuplicateEverything as u8;
    let (status, content_type, answer) = if duplicate && path == "/v1/sync/push" {
        (200, "application/json".to_owned(), all_duplicate(&body))
    } else if mode == Mode::AlwaysChanged as u8 && path == "/v1/changes/wait" {
        (
            200,
            "application/json".to_owned(),
            br#"{"records":true,"messages":true}"#.to_vec(),
        )
    } else {
        forward(client, upstream, &method, &path, &headers, body)
    };
    let mut out = conn;
    write!(
        out,
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reason(status),
        answer.len()
    )?;
    out.write_all(&answer)?;
    out.flush()
}

fn forward(
    client: &reqwest::blocking::Client,
    upstream: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> (u16, String, Vec<u8>) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = client.request(method, format!("{upstream}{path}"));
    for (k, v) in headers {
        let skip = ["host", "content-length", "connection", "transfer-encoding"]
            .iter()
            .any(|h| k.eq_ignore_ascii_case(h));
        if !skip {
            req = req.header(k.as_str(), v.as_str());
        }
    }
    match req.body(body).send() {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = resp.bytes().map(|b| b.to_vec()).unwrap_or_default();
            (status, content_type, bytes)
        }
        Err(_) => (502, "text/plain".into(), b"bad gateway".to_vec()),
    }
}

/// A push answer claiming every mutation of the request was already applied.
fn all_duplicate(request: &[u8]) -> Vec<u8> {
    let parsed: serde_json::Value = serde_json::from_slice(request).unwrap_or_default();
    let seqs: Vec<u64> = parsed["mutations"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m["mutation_seq"].as_u64())
                .collect()
        })
        .unwrap_or_default();
    let results: Vec<serde_json::Value> = seqs
        .iter()
        .map(|s| serde_json::json!({ "status": "duplicate", "mutation_seq": s, "server_seq": 0 }))
        .collect();
    let last = seqs.iter().copied().max().unwrap_or(0);
    serde_json::to_vec(&serde_json::json!({ "results": results, "last_mutation_seq": last }))
        .unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        _ => "Status",
    }
}
