//! `solace therapist`, `solace directory` and `solace link`: therapist accounts and their
//! directory profile, finding a therapist, and the consented client ↔ therapist link.

use std::path::Path;

use solace_core::app::{block_on, Credentials};
use solace_core::messaging::consent::LinkConsent;
use solace_core::CoreError;
use solace_protocol::messaging as m;

use crate::args::{DirectoryCommand, LinkCommand, ProfileArgs, TherapistCommand};
use crate::error::{CliError, Result};
use crate::output::{self, Output};
use crate::{passphrase, unlock};

fn profile(args: ProfileArgs) -> Result<m::TherapistProfile> {
    let slots = args
        .slots
        .iter()
        .map(|s| {
            let (start, minutes) = s
                .rsplit_once('/')
                .ok_or_else(|| CliError::input("a slot is START/MINUTES"))?;
            let start = chrono::DateTime::parse_from_rfc3339(start)
                .map_err(|_| CliError::input("a slot start must be an RFC 3339 time"))?;
            let minutes: u32 = minutes
                .parse()
                .map_err(|_| CliError::input("slot minutes must be a number"))?;
            Ok(m::AvailabilitySlot {
                start: start.to_rfc3339(),
                minutes,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(m::TherapistProfile {
        display_name: args.name,
        bio: args.bio,
        specialties: args.specialties,
        approaches: args.approaches,
        languages: args.languages,
        slots,
        response_window_hours: args.response_window_hours,
        formats: args.formats,
        coverage: args.coverage,
    })
}

/// `solace therapist …`.
pub fn run(cmd: TherapistCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        TherapistCommand::Register {
            server,
            username,
            profile: args,
        } => {
            let profile = profile(args)?;
            if app.read(|s| s.sync_account())?.is_none() {
                let credentials = Credentials {
                    username: username.clone(),
                    passphrase: passphrase::current()?,
                    device_name: "therapist device".into(),
                };
                block_on(app.register(server, credentials))?;
            }
            let display_name = profile.display_name.clone();
            block_on(app.publish_therapist_profile(profile))?;
            out.note(format!(
                "Registered therapist {username}; “{display_name}” is listed in the directory."
            ))
        }
        TherapistCommand::Profile(args) => {
            let profile = profile(args)?;
            block_on(app.publish_therapist_profile(profile))?;
            out.note("Profile updated.")
        }
        TherapistCommand::Reviews { state } => crate::review_cmd::set_enabled(&app, &state, out),
        TherapistCommand::Reply { review, text } => {
            crate::review_cmd::reply(&app, review, text, out)
        }
    }
}

/// `solace directory search …`.
pub fn directory(cmd: DirectoryCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let DirectoryCommand::Search {
        specialty,
        approach,
        language,
        format,
        text,
    } = cmd;
    let app = unlock::open_app(data_dir, None)?;
    let found = block_on(app.search_directory(m::DirectoryQuery {
        specialty,
        approach,
        language,
        text,
        format,
    }))?;
    if out.json {
        return out.json(&found);
    }
    if found.is_empty() {
        return out.line("No therapist matches.");
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|t| {
            vec![
                t.therapist_id.clone(),
                t.profile.display_name.clone(),
                t.profile.specialties.join(", "),
                t.profile.approaches.join(", "),
                t.profile.languages.join(", "),
                formats(&t.profile),
                output::count(t.profile.slots.len() as u64, "slot", "slots"),
                solace_core::reviews::summary_label(t.reviews.as_ref()),
                t.profile
                    .response_window_hours
                    .map_or("—".to_owned(), |h| format!("within {h} h")),
            ]
        })
        .collect();
    out.table(
        &[
            "id",
            "name",
            "specialties",
            "approaches",
            "languages",
            "formats",
            "live",
            "reviews",
            "answers alerts",
        ],
        &rows,
    )
}

/// "video €80 / 50 min, chat; Sliding scale" (— when none are listed).
fn formats(profile: &m::TherapistProfile) -> String {
    let offers: Vec<String> = profile
        .formats
        .iter()
        .map(|o| match &o.price {
            Some(price) => format!("{} {price}", o.format.as_str()),
            None => o.format.as_str().to_owned(),
        })
        .collect();
    let mut text = if offers.is_empty() {
        "—".to_owned()
    } else {
        offers.join(", ")
    };
    if let Some(coverage) = &profile.coverage {
        text.push_str("; ");
        text.push_str(coverage);
    }
    text
}

fn resolve_link(links: &[m::LinkInfo], text: &str) -> Result<String> {
    let matches: Vec<&m::LinkInfo> = links
        .iter()
        .filter(|l| l.link_id.starts_with(text))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.link_id.clone()),
        [] => Err(CoreError::NotFound("link").into()),
        _ => Err(CoreError::AmbiguousId.into()),
    }
}

/// `solace link …`.
pub fn link(cmd: LinkCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    let info = match cmd {
        LinkCommand::Request {
            therapist,
            share_assessments,
            risk_alerts,
            share_mood,
        } => {
            let consent = LinkConsent {
                share_assessments,
                risk_alerts,
                share_mood,
            };
            let info = block_on(app.request_link_with(therapist, consent))?;
            if !out.json {
                out.line(format!(
                    "Asked {} to link with you; messages can flow once they accept.",
                    info.therapist_name
                ))?;
            }
            info
        }
        LinkCommand::Accept { link } => {
            let id = resolve_link(&block_on(app.links())?, &link)?;
            let info = block_on(app.accept_link(id))?;
            if !out.json {
                out.line(format!(
                    "Linked with {}. You can now exchange messages.",
                    info.client_name
                ))?;
            }
            info
        }
        LinkCommand::End { link } => {
            let id = resolve_link(&block_on(app.links())?, &link)?;
            let info = block_on(app.end_link(id))?;
            if !out.json {
                out.line("The link is ended; nothing more flows between you.")?;
            }
            info
        }
        LinkCommand::Consent {
            with,
            share_assessments,
            risk_alerts,
            share_mood,
        } => {
            let peer =
                crate::message_cmd::local(&app, |s| crate::message_cmd::resolve_peer(s, &with))?;
            let mut consent = app.link_consent(&peer.peer_account)?;
            if let Some(v) = share_assessments {
                consent.share_assessments = v == "on";
            }
            if let Some(v) = risk_alerts {
                consent.risk_alerts = v == "on";
            }
            if let Some(v) = share_mood {
                consent.share_mood = v == "on";
            }
            app.set_link_consent(&peer.peer_account, consent)?;
            if out.json {
                return out.json(&consent);
            }
            let on_off = |b: bool| if b { "on" } else { "off" };
            out.line(format!(
                "With {}: share results automatically {}, risk alerts {}, mood trend {}.",
                peer.peer_name,
                on_off(consent.share_assessments),
                on_off(consent.risk_alerts),
                on_off(consent.share_mood)
            ))?;
            return out.line(
                "Your own safety plan and crisis resources always come first and never wait for \
                 anyone. Solace is not an emergency service.",
            );
        }
        LinkCommand::List => {
            let links = block_on(app.links())?;
            if out.json {
                return out.json(&links);
            }
            if links.is_empty() {
                return out.line("No links yet. Find a therapist with `solace directory search`.");
            }
            // A party that deleted its account and never had a conversation here is shown
            // by the server's stand-in only.
            let name = |id: &str, name: &str| {
                if id == m::DELETED_ACCOUNT && name.is_empty() {
                    "(deleted account)".to_owned()
                } else {
                    name.to_owned()
                }
            };
            let rows: Vec<Vec<String>> = links
                .iter()
                .map(|l| {
                    vec![
                        l.link_id.clone(),
                        name(&l.client_id, &l.client_name),
                        name(&l.therapist_id, &l.therapist_name),
                        format!("{:?}", l.state).to_lowercase(),
                    ]
                })
                .collect();
            return out.table(&["link", "client", "therapist", "state"], &rows);
        }
    };
    if out.json {
        out.json(&info)?;
    }
    Ok(())
}
