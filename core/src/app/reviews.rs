//! Review use cases: tokens obtained while a link is active (also after every sync), the
//! anonymous submission after it ended, the therapist's opt-in and replies, and a
//! therapist's published reviews for the directory. See [`crate::reviews`].

use solace_protocol::endpoint as ep;
use solace_protocol::messaging as m;
use solace_protocol::reviews as r;

use super::{runner, App};
use crate::error::{CoreError, Result, TransportError};
use crate::reviews;
use crate::sync::cell::StoreCell;
use crate::sync::transport::HttpTransport;

/// The account token of the connected device.
fn auth(cell: &dyn StoreCell) -> Result<String> {
    cell.with(|s| {
        s.sync_account()?
            .map(|(_, token)| token.to_string())
            .ok_or(CoreError::NotRegistered)
    })
}

impl App {
    /// Obtains review tokens for active links (as the client) that have none for the current
    /// period; returns how many. [`App::sync`] runs this after every messaging round.
    pub async fn refresh_review_tokens(&self) -> Result<u32> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            reviews::refresh_tokens(app.cell(), &http, crate::sync::session::unix_now())
        })
        .await
    }

    /// The therapist opts in (`true`) or out of reviews.
    pub async fn set_reviews_enabled(&self, enabled: bool) -> Result<()> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            let token = auth(app.cell())?;
            http.request::<ep::ReviewSettings>(Some(&token), &r::ReviewSettings { enabled })
        })
        .await
    }

    /// Finds a therapist in the directory by account id or display name (any case).
    pub async fn find_therapist(&self, therapist: String) -> Result<m::DirectoryEntry> {
        let wanted = therapist.trim().to_lowercase();
        let all = self.search_directory(m::DirectoryQuery::default()).await?;
        all.into_iter()
            .find(|e| {
                e.therapist_id == therapist.trim()
                    || e.profile.display_name.to_lowercase() == wanted
            })
            .ok_or(CoreError::NotFound("therapist"))
    }

    /// A therapist's published reviews (by account id or display name) with their summary.
    pub async fn therapist_reviews(
        &self,
        therapist: String,
    ) -> Result<(m::DirectoryEntry, r::ReviewList)> {
        let entry = self.find_therapist(therapist).await?;
        let therapist_id = entry.therapist_id.clone();
        let app = self.clone();
        let list = runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            let token = auth(app.cell())?;
            http.request::<ep::ListReviews>(Some(&token), &r::ReviewListRequest { therapist_id })
        })
        .await?;
        Ok((entry, list))
    }

    /// The therapist's public reply to one of their reviews (empty text removes it).
    pub async fn reply_to_review(&self, review_id: String, text: String) -> Result<()> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            let token = auth(app.cell())?;
            http.request::<ep::ReplyReview>(Some(&token), &r::ReviewReply { review_id, text })
        })
        .await
    }

    /// Reviews a therapist (account id or display name) whose link with this account ended:
    /// spends this device's token over a fresh connection that carries no account token and
    /// shares no connection with the account's client. Refuses while the link is active
    /// ([`crate::error::ReviewError::LinkStillActive`]). The token is forgotten once the
    /// server accepted it or says it was spent.
    pub async fn submit_review(&self, therapist: String, rating: u8, text: String) -> Result<()> {
        reviews::check_review(rating, &text)?;
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let (name, token) = app.read(|s| reviews::token_for(s, &therapist))?;
            let url = app.read(|s| {
                s.sync_account()?
                    .map(|(a, _)| a.server_url)
                    .ok_or(CoreError::NotRegistered)
            })?;
            // A client of its own: no pool, cookie or token shared with the account's client.
            let fresh = HttpTransport::with_options(&url, &app.shared.transport)?
                .with_cancel(cancel.clone());
            let result = reviews::submit(app.cell(), &fresh, &token, rating, &text);
            let spent = match &result {
                Ok(()) => true,
                Err(CoreError::Transport(TransportError::Rejected { code, .. })) => {
                    code == "conflict"
                }
                Err(_) => false,
            };
            if spent {
                app.write(|s| s.delete_device_state(&name))?;
            }
            result
        })
        .await
    }
}
