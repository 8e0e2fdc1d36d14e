//! An in-memory server with the protocol's push/pull semantics, for fast client tests and
//! fault injection (drop a request before or its answer after it is applied). Test-only.

use crate::error::TransportError;
use std::collections::BTreeMap;
use std::sync::Mutex;

use solace_protocol as p;
use solace_protocol::push_rule::{self, Decision};

use super::transport::Transport;
use crate::error::{CoreError, Result};

/// What the next calls should suffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fault {
    /// Work normally.
    #[default]
    None,
    /// Fail before the server sees the request.
    DropRequest,
    /// Apply the request, then lose the answer.
    DropResponse,
}

#[derive(Default)]
struct State {
    records: BTreeMap<String, p::WireRecord>,
    next_seq: u64,
    last_mutation: BTreeMap<String, u64>,
    keys: Option<p::AccountKeys>,
    auth_key: String,
    tokens: u32,
    duplicate_everything: bool,
}

/// One account's worth of server.
#[derive(Default)]
pub struct FakeServer {
    state: Mutex<State>,
    faults: Mutex<Vec<Fault>>,
}

impl FakeServer {
    /// Queues faults for the next calls, in order.
    pub fn inject(&self, faults: &[Fault]) {
        if let Ok(mut f) = self.faults.lock() {
            f.extend_from_slice(faults);
        }
    }

    fn next_fault(&self) -> Fault {
        self.faults
            .lock()
            .ok()
            .and_then(|mut f| {
                if f.is_empty() {
                    None
                } else {
                    Some(f.remove(0))
                }
            })
            .unwrap_or_default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
        let fault = self.next_fault();
        if fault == Fault::DropRequest {
            return Err(CoreError::Transport(TransportError::unreachable(
                "injected: request lost",
            )));
        }
        let mut state = self
            .state
            .lock()
            .map_err(|_| CoreError::Transport(TransportError::BadAnswer))?;
        let out = f(&mut state)?;
        if fault == Fault::DropResponse {
            return Err(CoreError::Transport(TransportError::unreachable(
                "injected: response lost",
            )));
        }
        Ok(out)
    }

    /// Every stored record (for convergence checks).
    pub fn records(&self) -> Vec<p::WireRecord> {
        self.state
            .lock()
            .map(|s| s.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Edits the stored records as a hostile server would: `f` gets the records by id and the
    /// sequence counter (take `*seq += 1` for a copy every device will pull).
    pub fn tamper(&self, f: impl FnOnce(&mut BTreeMap<String, p::WireRecord>, &mut u64)) {
        if let Ok(mut s) = self.state.lock() {
            let s = &mut *s;
            f(&mut s.records, &mut s.next_seq);
        }
    }

    /// Edits the key material the server hands to devices.
    pub fn tamper_keys(&self, f: impl FnOnce(&mut p::AccountKeys)) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(keys) = s.keys.as_mut() {
                f(keys);
            }
        }
    }

    /// A lying server: applies pushes as usual but answers every mutation `duplicate`.
    pub fn answer_duplicate(&self, on: bool) {
        if let Ok(mut s) = self.state.lock() {
            s.duplicate_everything = on;
        }
    }
}

fn session(state: &mut State) -> p::SessionResponse {
    state.tokens += 1;
    p::SessionResponse {
        account_id: "acct".into(),
        device_id: format!("dev{}", state.tokens),
        token: format!("dev{}", state.tokens).into(),
        expires_at: "2099-01-01T00:00:00Z".into(),
    }
}

impl Transport for FakeServer {
    fn prelogin(&self, _: &p::PreloginRequest) -> Result<p::PreloginResponse> {
        self.with(|s| {
            let k = s
                .keys
                .as_ref()
                .ok_or(CoreError::Transport(TransportError::Unauthorized))?;
            Ok(p::PreloginResponse {
                kdf: k.kdf,
                salt: k.salt.clone(),
            })
        })
    }

    fn register(&self, req: &p::RegisterRequest) -> Result<p::SessionResponse> {
        self.with(|s| {
            s.auth_key = req.auth_key.expose().to_owned();
            s.keys = Some(p::AccountKeys {
                kdf: req.kdf,
                salt: req.salt.clone(),
                wrapped_account_key: req.wrapped_account_key.clone(),
                items_keys: req.items_keys.clone(),
                recovery_wrapped_account_key: req.recovery_wrapped_account_key.clone(),
            });
            Ok(session(s))
        })
    }

    fn login(&self, req: &p::LoginRequest) -> Result<p::SessionResponse> {
        self.with(|s| {
            if req.auth_key.expose() == s.auth_key {
                Ok(session(s))
            } else {
                Err(CoreError::Transport(TransportError::Unauthorized))
            }
        })
    }

    fn account_keys(&self, _: &str) -> Result<p::AccountKeys> {
        self.with(|s| {
            s.keys
                .clone()
                .ok_or(CoreError::Transport(TransportError::Unauthorized))
        })
    }

    fn upload_items_keys(&self, _: &str, req: &p::ItemsKeysUpload) -> Result<()> {
        self.with(|s| {
            if let Some(k) = s.keys.as_mut() {
                for key in &req.items_keys {
                    if !k.items_keys.iter().any(|x| x.key_id == key.key_id) {
                        k.items_keys.push(key.clone());
                    }
                }
            }
            Ok(())
        })
    }

    fn update_credentials(&self, _: &str, req: &p::CredentialsUpdate) -> Result<()> {
        self.with(|s| {
            let k = s
                .keys
                .as_mut()
                .ok_or(CoreError::Transport(TransportError::Unauthorized))?;
            k.kdf = req.kdf;
            k.salt = req.salt.clone();
            k.wrapped_account_key = req.wrapped_account_key.clone();
            Ok(())
        })
    }

    fn pull(&self, _: &str, req: &p::PullRequest) -> Result<p::PullResponse> {
        self.with(|s| {
            let mut newer: Vec<p::WireRecord> = s
                .records
                .values()
                .filter(|r| r.server_seq > req.cursor)
                .cloned()
                .collect();
            newer.sort_by_key(|r| r.server_seq);
            let more = newer.len() > req.limit as usize;
            newer.truncate(req.limit as usize);
            let next_cursor = newer.last().map_or(req.cursor, |r| r.server_seq);
            Ok(p::PullResponse {
                records: newer,
                next_cursor,
                more,
            })
        })
    }

    fn push(&self, token: &str, req: &p::PushRequest) -> Result<p::PushResponse> {
        self.with(|s| {
            let mut results = Vec::new();
            let mut last = s.last_mutation.get(token).copied().unwrap_or(0);
            for m in &req.mutations {
                let current = s.records.get(m.id.as_str()).cloned();
                let decision = push_rule::decide(
                    last,
                    m.mutation_seq,
                    m.base_seq,
                    current.as_ref().map(|c| push_rule::StoredVersion {
                        server_seq: c.server_seq,
                        same_content: c.blob == m.blob.encode() && c.deleted == m.deleted,
                    }),
                );
                last = push_rule::next_last(last, m.mutation_seq, decision);
                results.push(match decision {
                    Decision::Write => {
                        s.next_seq += 1;
                        let rec = p::WireRecord {
                            id: m.id.as_str().to_owned(),
                            kind: m.kind.clone(),
                            blob: m.blob.encode(),
                            deleted: m.deleted,
                            server_seq: s.next_seq,
                        };
                        s.records.insert(m.id.as_str().to_owned(), rec);
                        p::MutationResult::Applied {
                            mutation_seq: m.mutation_seq,
                            server_seq: s.next_seq,
                        }
                    }
                    Decision::Retried { server_seq } | Decision::Identical { server_seq } => {
                        p::MutationResult::Applied {
                            mutation_seq: m.mutation_seq,
                            server_seq,
                        }
                    }
                    Decision::Duplicate => p::MutationResult::Duplicate {
                        mutation_seq: m.mutation_seq,
                        server_seq: current.map_or(0, |c| c.server_seq),
                    },
                    Decision::Conflict => p::MutationResult::Conflict {
                        mutation_seq: m.mutation_seq,
                        current: current.unwrap_or_else(|| p::WireRecord {
                            id: m.id.as_str().to_owned(),
                            kind: m.kind.clone(),
                            blob: String::new(),
                            deleted: true,
                            server_seq: 0,
                        }),
                    },
                });
            }
            if s.duplicate_everything {
                for r in &mut results {
                    if let p::MutationResult::Applied {
                        mutation_seq,
                        server_seq,
                    } = *r
                    {
                        *r = p::MutationResult::Duplicate {
                            mutation_seq,
                            server_seq,
                        };
                    }
                }
            }
            s.last_mutation.insert(token.to_owned(), last);
            Ok(p::PushResponse {
                results,
                last_mutation_seq: Some(last),
            })
        })
    }
}

#[cfg(test)]
mod conformance_tests {
    use super::*;
    use solace_protocol::push_rule::conformance::{check, CASES};

    fn record(id: &str, blob: &str, server_seq: u64) -> p::WireRecord {
        p::WireRecord {
            id: id.into(),
            kind: p::OPAQUE_KIND.into(),
            blob: blob.into(),
            deleted: false,
            server_seq,
        }
    }

    /// The push rule's shared conformance table (which the server's storage suite runs
    /// through both real backends) through this fake's push: both must answer alike.
    #[test]
    fn the_fake_server_passes_the_push_rule_conformance_table() {
        let id = "0a".repeat(16);
        for case in CASES {
            let server = FakeServer::default();
            {
                let mut s = server.state.lock().unwrap();
                s.last_mutation.insert("tok".into(), case.last_mutation_seq);
                if let Some(stored) = case.stored_seq {
                    s.records.insert(id.clone(), record(&id, "QQ==", stored));
                }
                s.next_seq = case.stored_seq.unwrap_or(case.last_mutation_seq);
            }
            let blob = if case.same_content { "QQ==" } else { "Qg==" };
            let answer = server
                .push(
                    "tok",
                    &p::PushRequest {
                        mutations: vec![p::Mutation {
                            mutation_seq: case.mutation_seq,
                            id: id.parse().unwrap(),
                            kind: p::OPAQUE_KIND.into(),
                            base_seq: case.base_seq,
                            blob: blob.parse().unwrap(),
                            deleted: false,
                        }],
                    },
                )
                .unwrap();
            check(
                case,
                &answer.results[0],
                answer.last_mutation_seq.unwrap_or(0),
            )
            .unwrap();
        }
    }
}
