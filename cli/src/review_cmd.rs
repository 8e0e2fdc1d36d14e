//! `solace review`, `solace reviews`, `solace therapist reviews|reply`: verified, unlinkable
//! reviews. Every step is a `core::app` call; this module parses and prints.

use std::path::Path;

use solace_core::app::{block_on, App};
use solace_core::reviews::summary_label;

use crate::args::ReviewArgs;
use crate::error::Result;
use crate::output::Output;
use crate::unlock;

/// `solace review NAME --rating N [TEXT]`.
pub fn review(args: ReviewArgs, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    block_on(app.submit_review(args.therapist, args.rating, args.text))?;
    out.note(
        "Review sent without your account. It appears with the next batch of reviews \
         (the server publishes them together, so the time does not point to you).",
    )
}

/// `solace reviews NAME`.
pub fn reviews(therapist: String, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    let (entry, list) = block_on(app.therapist_reviews(therapist))?;
    if out.json {
        return out.json(&list);
    }
    let summary = list.enabled.then_some(&list.summary);
    out.line(format!(
        "{} — {}",
        entry.profile.display_name,
        summary_label(summary)
    ))?;
    for review in &list.reviews {
        let stars = "★".repeat(usize::from(review.rating));
        out.line(format!(
            "{stars} {} [{}] {}",
            review.month, review.review_id, review.text
        ))?;
        if let Some(reply) = &review.reply {
            out.line(format!("    reply: {reply}"))?;
        }
    }
    Ok(())
}

/// `solace therapist reviews on|off`.
pub fn set_enabled(app: &App, state: &str, out: &mut Output) -> Result<()> {
    let enabled = state == "on";
    block_on(app.set_reviews_enabled(enabled))?;
    out.note(if enabled {
        "Former clients can now review you; reviews open after a link ends."
    } else {
        "Reviews are off: no new tokens or reviews."
    })
}

/// `solace therapist reply REVIEW TEXT`.
pub fn reply(app: &App, review: String, text: String, out: &mut Output) -> Result<()> {
    block_on(app.reply_to_review(review, text))?;
    out.note("Reply published.")
}
