//! The HTTP API, the same suite on SQLite and PostgreSQL, served in-process on a loopback
//! port: accounts, prelogin privacy, login, tokens (expiry, revocation), sync semantics over
//! the wire, account isolation, body and rate limits, and hostile input.

mod accounts;
#[path = "../common/mod.rs"]
mod common;
mod helpers;
mod hostile;
mod limits;
mod sync;

use accounts::*;
use base64::Engine as _;
use common::http::{err, login_body, ok, register_body, Api, B64};
use common::Backend;
use helpers::*;
use hostile::*;
use limits::*;
use solace_protocol as p;
use sync::*;

per_backend!(
    accounts_tokens_and_devices,
    token_expiry,
    sync_rules_over_http,
    accounts_are_isolated_over_http,
    body_and_rate_limits,
    login_endpoints_are_limited_per_address,
    hostile_input_gets_clean_errors,
    pagination_and_tombstones,
);
