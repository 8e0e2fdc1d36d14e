//! The HTTP side of the server test suites: a client bound to one test server, with the
//! plain request helpers every suite uses.

use super::{Backend, TestServer};

/// A server under test and an HTTP client for it; each suite adds its own calls in an
/// `impl Api` block.
pub struct Api {
    /// The client.
    pub c: reqwest::Client,
    /// The server.
    pub s: TestServer,
}

impl Api {
    /// Starts a server on `backend` (`None`: backend unavailable, the case is skipped).
    pub async fn start(
        backend: Backend,
        tweak: impl FnOnce(&mut solace_server::ServerConfig),
    ) -> Option<Api> {
        Some(Api {
            c: reqwest::Client::new(),
            s: TestServer::start(backend, tweak).await?,
        })
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &T,
    ) -> reqwest::Response {
        let mut r = self.c.post(self.s.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    /// `PUT path` with a JSON body and a bearer token.
    pub async fn put<T: serde::Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> reqwest::Response {
        self.c
            .put(self.s.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.c
            .get(self.s.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}
