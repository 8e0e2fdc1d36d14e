//! Who may talk to the console, and what every answer carries.
//!
//! - **Launch token.** `solace console` prints a URL with a one-time random token. The first
//!   request that presents it gets a session cookie (`HttpOnly`, `SameSite=Strict`) and a
//!   redirect to the same page without the token; the token then no longer works.
//! - **Sessions.** 256-bit random ids, kept only as SHA-256 hashes; each has its own CSRF
//!   token that every state-changing form must carry.
//! - **Host and Origin.** Only the console's own `Host` is served (a DNS-rebinding page
//!   names its own host) and a request with an `Origin` must come from the console itself;
//!   a state change must carry our origin, or (a browser's own form under `no-referrer`
//!   sends `Origin: null`) Fetch Metadata saying it is same-origin.
//! - **Headers.** A strict Content-Security-Policy (own scripts and styles only, no inline
//!   code, no remote origins), `Cache-Control: no-store`, `Referrer-Policy: no-referrer`,
//!   `X-Content-Type-Options: nosniff` and no framing, on every answer, errors included.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::http::{header, HeaderMap, HeaderValue, Method};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Name of the session cookie.
pub const COOKIE: &str = "solace_console";

/// The Content-Security-Policy of every answer.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// 32 random bytes as hex, from the operating system's CSPRNG.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// Constant-time comparison of two secrets (by their digests, so lengths leak nothing).
pub fn same_secret(a: &str, b: &str) -> bool {
    digest(a).ct_eq(&digest(b)).into()
}

/// The launch token and the sessions it opened.
pub struct Gate {
    launch: Mutex<Option<[u8; 32]>>,
    sessions: Mutex<HashMap<[u8; 32], String>>,
}

/// A signed-in browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The CSRF token its forms carry.
    pub csrf: String,
}

impl Gate {
    /// A gate that opens once for `launch_token`.
    pub fn new(launch_token: &str) -> Self {
        Self {
            launch: Mutex::new(Some(digest(launch_token))),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// Trades the launch token for a new session id (once); `None` for a wrong or used token.
    pub fn open(&self, token: &str) -> Option<String> {
        let mut launch = self.launch.lock().unwrap_or_else(PoisonError::into_inner);
        let expected = (*launch)?;
        if !bool::from(expected.ct_eq(&digest(token))) {
            return None;
        }
        let id = random_token().ok()?;
        let csrf = random_token().ok()?;
        *launch = None;
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(digest(&id), csrf);
        Some(id)
    }

    /// The session of a request, from its cookie.
    pub fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, COOKIE)?;
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&digest(&id))
            .map(|csrf| Session { csrf: csrf.clone() })
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value for a new session (`Secure` when served over TLS).
pub fn session_cookie(id: &str, tls: bool) -> String {
    let secure = if tls { "; Secure" } else { "" };
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/{secure}")
}

/// Why a request is refused before it reaches a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The `Host` header is not the console's (e.g. DNS rebinding).
    ForeignHost,
    /// The `Origin` is another site's, or a state change came without one.
    ForeignOrigin,
}

/// The hosts the console answers to, e.g. `127.0.0.1:8790` and `localhost:8790`, and whether
/// it is served over TLS (remote access).
#[derive(Debug, Clone)]
pub struct Hosts {
    names: Vec<String>,
    tls: bool,
}

impl Hosts {
    /// The hosts for a plain-HTTP console listening on `addr` (loopback).
    pub fn for_listen(addr: std::net::SocketAddr) -> Self {
        let mut names = vec![addr.to_string()];
        if addr.ip().is_loopback() {
            names.push(format!("localhost:{}", addr.port()));
        }
        Self { names, tls: false }
    }

    /// The hosts for a console served over TLS on `addr`: the address itself and each name
    /// the certificate is for (`names`, without port), all on the listening port.
    pub fn for_tls(addr: std::net::SocketAddr, names: &[String]) -> Self {
        let mut hosts = Self::for_listen(addr);
        hosts.tls = true;
        hosts.names.extend(
            names
                .iter()
                .map(|name| format!("{}:{}", name.trim().to_ascii_lowercase(), addr.port())),
        );
        hosts
    }

    /// Whether answers go over TLS (cookies are then `Secure`, and HSTS is sent).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The origin browsers name for `host` (`http://…` or `https://…`).
    fn origin(&self, host: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{host}")
    }

    /// Checks `Host` and `Origin`: the host must be ours; an origin, when present, must be
    /// ours, and a method that changes state must carry one.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !self.names.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Err(Refusal::ForeignHost);
        }
        let reading = *method == Method::GET || *method == Method::HEAD;
        // With `Referrer-Policy: no-referrer` a browser sends `Origin: null` on its own form
        // posts; then its Fetch Metadata (`Sec-Fetch-Site`, which pages cannot set) must say
        // the request comes from this origin.
        let same_site_fetch = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"same-origin");
        match headers.get(header::ORIGIN).map(|o| o.to_str()) {
            Some(Ok("null")) | None if reading || same_site_fetch => Ok(()),
            Some(Ok(origin))
                if self
                    .names
                    .iter()
                    .any(|h| origin.eq_ignore_ascii_case(&self.origin(h))) =>
            {
                Ok(())
            }
            _ => Err(Refusal::ForeignOrigin),
        }
    }
}

/// Adds the security headers every answer carries (and HSTS over TLS, so a browser never
/// falls back to plain HTTP for this host).
pub fn harden(headers: &mut HeaderMap, tls: bool) {
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if tls {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_launch_token_opens_one_session_once() {
        let gate = Gate::new("launch");
        assert!(gate.open("wrong").is_none());
        let id = gate.open("launch").unwrap();
        assert!(gate.open("launch").is_none(), "used once");
        let with = headers(&[(header::COOKIE, &format!("a=b; {COOKIE}={id}"))]);
        let session = gate.session(&with).unwrap();
        assert_eq!(session.csrf.len(), 64);
        assert!(gate
            .session(&headers(&[(header::COOKIE, &format!("{COOKIE}=x"))]))
            .is_none());
        assert!(gate.session(&HeaderMap::new()).is_none());
    }

    #[test]
    fn only_our_host_and_origin_pass() {
        let hosts = Hosts::for_listen("127.0.0.1:8790".parse().unwrap());
        let ok = |pairs: &[(header::HeaderName, &str)], m: Method| hosts.check(&m, &headers(pairs));
        assert_eq!(ok(&[(header::HOST, "127.0.0.1:8790")], Method::GET), Ok(()));
        assert_eq!(ok(&[(header::HOST, "localhost:8790")], Method::GET), Ok(()));
        assert_eq!(
            ok(&[(header::HOST, "evil.example:8790")], Method::GET),
            Err(Refusal::ForeignHost)
        );
        assert_eq!(ok(&[], Method::GET), Err(Refusal::ForeignHost));
        assert_eq!(
            ok(
                &[
                    (header::HOST, "127.0.0.1:8790"),
                    (header::ORIGIN, "http://evil.example")
                ],
                Method::POST
            ),
            Err(Refusal::ForeignOrigin)
        );
        assert_eq!(
            ok(&[(header::HOST, "127.0.0.1:8790")], Method::POST),
            Err(Refusal::ForeignOrigin),
            "a state change must say where it comes from"
        );
        assert_eq!(
            ok(
                &[
                    (header::HOST, "127.0.0.1:8790"),
                    (header::ORIGIN, "http://127.0.0.1:8790")
                ],
                Method::POST
            ),
            Ok(())
        );
        // A browser's own form post under no-referrer: `Origin: null`, same-origin fetch.
        let null_origin = |site: &str| {
            ok(
                &[
                    (header::HOST, "127.0.0.1:8790"),
                    (header::ORIGIN, "null"),
                    (header::HeaderName::from_static("sec-fetch-site"), site),
                ],
                Method::POST,
            )
        };
        assert_eq!(null_origin("same-origin"), Ok(()));
        assert_eq!(null_origin("cross-site"), Err(Refusal::ForeignOrigin));
        assert_eq!(
            ok(
                &[(header::HOST, "127.0.0.1:8790"), (header::ORIGIN, "null")],
                Method::POST
            ),
            Err(Refusal::ForeignOrigin)
        );
    }

    #[test]
    fn secrets_compare_in_full() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
