//! The HTTP calls the load and the check make, with the retry rule: a write is repeated
//! unchanged until the cluster acknowledges it (or the caller gives up).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// One device's view of the cluster.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// Requests sent, retries included.
    pub requests: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Why a request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No answer (connection refused or reset, timeout).
    #[error("no answer: {0}")]
    Transport(#[from] reqwest::Error),
    /// An answer that is not a success.
    #[error("HTTP {0}: {1}")]
    Status(u16, String),
}

impl Client {
    /// A client for the balancer at `base`.
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .pool_max_idle_per_host(8)
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            requests: Default::default(),
        }
    }

    /// `POST path` with a JSON body (and a token), decoded.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<T, CallError> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(CallError::Status(status.as_u16(), text));
        }
        let text = if text.is_empty() {
            "null".to_owned()
        } else {
            text
        };
        serde_json::from_str(&text).map_err(|e| CallError::Status(status.as_u16(), e.to_string()))
    }

    /// `PUT path` with a JSON body and a token.
    pub async fn put<B: Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &B,
    ) -> Result<(), CallError> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(CallError::Status(status.as_u16(), response.text().await?))
        }
    }

    /// [`Client::post`] repeated until it succeeds or `until` passes; refusals that retrying
    /// cannot change (4xx other than 409 and 429) end it at once.
    pub async fn post_until<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
        until: tokio::time::Instant,
    ) -> Result<T, CallError> {
        let mut pause = Duration::from_millis(50);
        loop {
            match self.post(path, token, body).await {
                Ok(answer) => return Ok(answer),
                Err(CallError::Status(code, text))
                    if (400..500).contains(&code) && code != 409 && code != 429 =>
                {
                    return Err(CallError::Status(code, text))
                }
                Err(e) => {
                    if tokio::time::Instant::now() + pause >= until {
                        return Err(e);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(800));
                }
            }
        }
    }
}
