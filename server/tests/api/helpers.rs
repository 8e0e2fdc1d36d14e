//! The API suite's calls on the shared test client and its mutation builders.

use super::*;

impl Api {
    pub(crate) async fn prelogin(&self, user: &str) -> p::PreloginResponse {
        let body = p::PreloginRequest {
            username: user.into(),
        };
        ok(self.post("/v1/accounts/prelogin", None, &body).await).await
    }

    pub(crate) async fn register(&self, user: &str, key: u8) -> p::SessionResponse {
        ok(self
            .post(
                "/v1/accounts/register",
                None,
                &register_body(user, [key; 32]),
            )
            .await)
        .await
    }

    pub(crate) async fn push(
        &self,
        token: &str,
        mutations: Vec<p::Mutation>,
    ) -> Vec<p::MutationResult> {
        let r: p::PushResponse = ok(self
            .post("/v1/sync/push", Some(token), &p::PushRequest { mutations })
            .await)
        .await;
        r.results
    }

    pub(crate) async fn pull(&self, token: &str, cursor: u64, limit: u32) -> p::PullResponse {
        ok(self
            .post(
                "/v1/sync/pull",
                Some(token),
                &p::PullRequest { cursor, limit },
            )
            .await)
        .await
    }
}

pub(crate) fn mutation(seq: u64, id: u64, base: u64, blob: &[u8]) -> p::Mutation {
    p::Mutation {
        mutation_seq: seq,
        id: format!("{id:032x}").parse().unwrap(),
        kind: "journal".into(),
        base_seq: base,
        blob: p::B64Bytes::new(blob.to_vec()).unwrap(),
        deleted: false,
    }
}

pub(crate) fn applied(seq: u64, server_seq: u64) -> p::MutationResult {
    p::MutationResult::Applied {
        mutation_seq: seq,
        server_seq,
    }
}
