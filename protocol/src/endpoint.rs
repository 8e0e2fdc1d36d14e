//! The endpoint contract of protocol v1: every endpoint declared once, as a zero-sized type
//! implementing [`Endpoint`] (method, path, authentication, request, response, answer cap).
//!
//! The server builds its routes from these declarations (`E::PATH`, `E::METHOD`) and the core's
//! HTTP client sends through one generic `send::<E>`, so a path or a body type is written in
//! one place. No endpoint of v1 has path parameters: every argument travels in the JSON body
//! (so it is never logged with the path); an endpoint that needs one must add an explicit
//! path builder rather than formatting strings at call sites.
//!
//! Endpoints without a request body use [`NoBody`] as their request; endpoints that answer
//! `204 No Content` use `()` as their response.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::messaging as m;
use crate::reviews as r;

/// The HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET` (no request body).
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
}

impl Method {
    /// The method's name as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// Whether an endpoint needs a device's bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Open to anyone (health, prelogin, register, login).
    None,
    /// `Authorization: Bearer <token>` of a device.
    Bearer,
}

/// Largest answer a client reads from an endpoint that returns pages or key sets (32 MiB).
pub const LARGE_ANSWER: u64 = 32 * 1024 * 1024;
/// Largest answer a client reads from every other endpoint and from error bodies (1 MiB).
pub const SMALL_ANSWER: u64 = 1024 * 1024;

/// The request of an endpoint that sends no body (nothing goes on the wire).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoBody;

/// One endpoint of the protocol: everything client and server must agree on.
pub trait Endpoint {
    /// HTTP method.
    const METHOD: Method;
    /// Path, starting with `/v1/` (no parameters).
    const PATH: &'static str;
    /// Whether a bearer token is required.
    const AUTH: Auth;
    /// Whether the request has a JSON body (false for [`NoBody`] requests).
    const HAS_BODY: bool;
    /// The most answer bytes a client reads ([`SMALL_ANSWER`] or [`LARGE_ANSWER`]), so a
    /// hostile server cannot exhaust a device's memory.
    const MAX_ANSWER: u64;
    /// The JSON request body ([`NoBody`] when there is none).
    type Request: Serialize + DeserializeOwned;
    /// The JSON answer (`()` for `204 No Content`).
    type Response: Serialize + DeserializeOwned;
}

macro_rules! endpoints {
    ($(
        $(#[$doc:meta])*
        $name:ident: $method:ident $path:literal, $auth:ident, $req:ty => $resp:ty, $cap:ident, $body:literal;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            pub struct $name;

            impl Endpoint for $name {
                const METHOD: Method = Method::$method;
                const PATH: &'static str = $path;
                const AUTH: Auth = Auth::$auth;
                const HAS_BODY: bool = $body;
                const MAX_ANSWER: u64 = $cap;
                type Request = $req;
                type Response = $resp;
            }
        )*

        /// Every endpoint as `(method, path, auth)`, for tests and documentation checks.
        pub const ALL: &[(Method, &str, Auth)] = &[
            $((Method::$method, $path, Auth::$auth),)*
        ];
    };
}

endpoints! {
    /// `GET /v1/health`: liveness and the server's limits.
    Health: Get "/v1/health", None, NoBody => crate::Health, SMALL_ANSWER, false;
    /// `POST /v1/accounts/prelogin`: KDF parameters and salt before a login.
    Prelogin: Post "/v1/accounts/prelogin", None, crate::PreloginRequest => crate::PreloginResponse, SMALL_ANSWER, true;
    /// `POST /v1/accounts/register`: a new account and its first device.
    Register: Post "/v1/accounts/register", None, crate::RegisterRequest => crate::SessionResponse, SMALL_ANSWER, true;
    /// `POST /v1/accounts/login`: a new or returning device.
    Login: Post "/v1/accounts/login", None, crate::LoginRequest => crate::SessionResponse, SMALL_ANSWER, true;
    /// `POST /v1/account/refresh`: a fresh token for the same device.
    Refresh: Post "/v1/account/refresh", Bearer, NoBody => crate::SessionResponse, SMALL_ANSWER, false;
    /// `GET /v1/account/keys`: what a new device needs to open the account's records.
    AccountKeys: Get "/v1/account/keys", Bearer, NoBody => crate::AccountKeys, LARGE_ANSWER, false;
    /// `PUT /v1/account/items-keys`: adds items keys (`204`).
    UploadItemsKeys: Put "/v1/account/items-keys", Bearer, crate::ItemsKeysUpload => (), SMALL_ANSWER, true;
    /// `PUT /v1/account/credentials`: new credentials after a passphrase change (`204`).
    UpdateCredentials: Put "/v1/account/credentials", Bearer, crate::CredentialsUpdate => (), SMALL_ANSWER, true;
    /// `POST /v1/account/delete`: deletes the caller's account and every row of it, with a
    /// proof of the passphrase (`204`).
    DeleteAccount: Post "/v1/account/delete", Bearer, crate::DeleteAccountRequest => (), SMALL_ANSWER, true;
    /// `GET /v1/devices`: the account's devices.
    Devices: Get "/v1/devices", Bearer, NoBody => crate::DeviceList, SMALL_ANSWER, false;
    /// `POST /v1/devices/revoke`: revokes a device or every other one (`204`).
    Revoke: Post "/v1/devices/revoke", Bearer, crate::RevokeRequest => (), SMALL_ANSWER, true;
    /// `POST /v1/sync/pull`: one page of changed records.
    Pull: Post "/v1/sync/pull", Bearer, crate::PullRequest => crate::PullResponse, LARGE_ANSWER, true;
    /// `POST /v1/sync/push`: a batch of mutations.
    Push: Post "/v1/sync/push", Bearer, crate::PushRequest => crate::PushResponse, LARGE_ANSWER, true;
    /// `PUT /v1/therapist/profile`: publishes the caller's therapist profile (`204`).
    PutProfile: Put "/v1/therapist/profile", Bearer, m::TherapistProfile => (), SMALL_ANSWER, true;
    /// `POST /v1/directory/search`: therapists matching a query.
    SearchDirectory: Post "/v1/directory/search", Bearer, m::DirectoryQuery => m::DirectoryPage, LARGE_ANSWER, true;
    /// `POST /v1/links`: a client asks a therapist for a link.
    RequestLink: Post "/v1/links", Bearer, m::LinkRequest => m::LinkInfo, SMALL_ANSWER, true;
    /// `GET /v1/links`: the caller's links.
    ListLinks: Get "/v1/links", Bearer, NoBody => m::LinkList, SMALL_ANSWER, false;
    /// `POST /v1/links/accept`: the therapist accepts a link.
    AcceptLink: Post "/v1/links/accept", Bearer, m::LinkAction => m::LinkInfo, SMALL_ANSWER, true;
    /// `POST /v1/links/end`: either side ends a link.
    EndLink: Post "/v1/links/end", Bearer, m::LinkAction => m::LinkInfo, SMALL_ANSWER, true;
    /// `PUT /v1/keys/device`: publishes the device's identity and one-time keys.
    PublishKeys: Put "/v1/keys/device", Bearer, m::DeviceKeysUpload => m::KeyCount, SMALL_ANSWER, true;
    /// `POST /v1/keys/claim`: claims a one-time key of every device of an account.
    ClaimKeys: Post "/v1/keys/claim", Bearer, m::ClaimRequest => m::ClaimResponse, LARGE_ANSWER, true;
    /// `POST /v1/messages/send`: deposits one message for each device of an account.
    SendMessage: Post "/v1/messages/send", Bearer, m::SendRequest => m::SendResponse, SMALL_ANSWER, true;
    /// `POST /v1/messages/inbox`: the caller's waiting messages.
    Inbox: Post "/v1/messages/inbox", Bearer, m::InboxRequest => m::Inbox, LARGE_ANSWER, true;
    /// `POST /v1/messages/ack`: deletes stored messages from the mailbox (`204`).
    Ack: Post "/v1/messages/ack", Bearer, m::AckRequest => (), SMALL_ANSWER, true;
    /// `POST /v1/changes/wait`: answers once records or messages wait for this device (or
    /// after the timeout), saying only that; the device then syncs.
    WaitChanges: Post "/v1/changes/wait", Bearer, crate::live::WaitRequest => crate::live::Changes, SMALL_ANSWER, true;
    /// `GET /v1/reviews/keys`: the review-token key of each recent period (open: the
    /// anonymous submission connection fetches it too).
    ReviewKeys: Get "/v1/reviews/keys", None, NoBody => r::ReviewKeys, SMALL_ANSWER, false;
    /// `POST /v1/reviews/token`: a blind signature for the client of an active link.
    ReviewToken: Post "/v1/reviews/token", Bearer, r::TokenRequest => r::TokenResponse, SMALL_ANSWER, true;
    /// `POST /v1/reviews`: an anonymous review with its unblinded token (`204`; no account).
    SubmitReview: Post "/v1/reviews", None, r::ReviewSubmission => (), SMALL_ANSWER, true;
    /// `POST /v1/directory/reviews`: a therapist's published reviews.
    ListReviews: Post "/v1/directory/reviews", Bearer, r::ReviewListRequest => r::ReviewList, LARGE_ANSWER, true;
    /// `POST /v1/reviews/reply`: the therapist replies to one of their reviews (`204`).
    ReplyReview: Post "/v1/reviews/reply", Bearer, r::ReviewReply => (), SMALL_ANSWER, true;
    /// `PUT /v1/therapist/reviews`: the therapist opts in or out of reviews (`204`).
    ReviewSettings: Put "/v1/therapist/reviews", Bearer, r::ReviewSettings => (), SMALL_ANSWER, true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_declared_once_under_v1() {
        let mut seen = std::collections::HashSet::new();
        for (method, path, _) in ALL {
            assert!(path.starts_with("/v1/"), "{path}");
            assert!(
                !path.contains(['{', ':', '*']),
                "no path parameters: {path}"
            );
            assert!(
                seen.insert((*method, *path)),
                "declared twice: {method:?} {path}"
            );
        }
        assert_eq!(ALL.len(), 31);
    }

    #[test]
    fn bodiless_endpoints_match_their_declaration() {
        fn check<E: Endpoint>() {
            let no_body = std::any::type_name::<E::Request>() == std::any::type_name::<NoBody>();
            assert_eq!(E::HAS_BODY, !no_body, "{}", E::PATH);
            if E::METHOD == Method::Get {
                assert!(!E::HAS_BODY, "{}", E::PATH);
            }
        }
        check::<Health>();
        check::<Refresh>();
        check::<AccountKeys>();
        check::<Devices>();
        check::<ListLinks>();
        check::<Pull>();
        check::<Ack>();
        check::<DeleteAccount>();
        check::<ReviewKeys>();
        check::<SubmitReview>();
        assert_eq!(
            SubmitReview::AUTH,
            Auth::None,
            "a review carries no account token"
        );
        assert_eq!(Refresh::AUTH, Auth::Bearer);
        assert_eq!(DeleteAccount::AUTH, Auth::Bearer);
        assert_eq!(Login::AUTH, Auth::None);
    }
}
