//! A conversation's identity as both apps show it (the verification screen and the banner
//! over the conversation): the safety number laid out and spoken, the QR payload, one status
//! line, and which of "mark verified", "unverify" and "accept the change" is offered.

use crate::messaging::identity::IdentityStatus;

/// Safety-number groups per row on screen (12 groups of 5 digits: 3 rows of 4).
const GROUPS_PER_ROW: usize = 4;

/// The status line while the other person's identity change waits to be accepted.
pub const IDENTITY_CHANGED_LABEL: &str = "Identity changed — sending paused until you accept";

/// What the apps show for a conversation's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityView {
    /// The safety number as 12 groups of 5 digits separated by spaces; `None` before the
    /// other person's identity is known.
    pub safety_number: Option<String>,
    /// The same groups laid out as rows of 4 (what the verification screen shows); empty
    /// before the identity is known.
    pub safety_number_rows: Vec<String>,
    /// What a screen reader says for the number: each group's digits one by one, groups
    /// separated by commas; `None` before the identity is known.
    pub safety_number_spoken: Option<String>,
    /// The string to show as a QR code (and to compare with a scanned one).
    pub qr_payload: Option<String>,
    /// The person compared the number for the current identity.
    pub verified: bool,
    /// The other person's identity changed: messages to them wait until it is accepted.
    pub sending_paused: bool,
    /// One line for the conversation header and the verification screen: "Verified", "Not
    /// verified — compare the safety number", "No safety number yet" or
    /// [`IDENTITY_CHANGED_LABEL`].
    pub status_label: String,
    /// "Mark as verified" is offered (a number to compare, not verified, no change waiting).
    pub can_mark_verified: bool,
    /// "Unverify" is offered (verified, no change waiting).
    pub can_unverify: bool,
    /// "Accept the new identity" is offered (a change waits).
    pub can_accept_change: bool,
}

/// The identity view of a conversation from its status.
pub fn identity_view(status: &IdentityStatus) -> IdentityView {
    let number = status.safety_number.as_ref();
    let groups: Vec<&str> = number
        .map(|n| n.digits.split_whitespace().collect())
        .unwrap_or_default();
    let changed = status.changed;
    let verified = status.verified && !changed;
    let status_label = if changed {
        IDENTITY_CHANGED_LABEL
    } else if number.is_none() {
        "No safety number yet"
    } else if verified {
        "Verified"
    } else {
        "Not verified — compare the safety number"
    };
    IdentityView {
        safety_number: number.map(|n| n.digits.clone()),
        safety_number_rows: groups.chunks(GROUPS_PER_ROW).map(|r| r.join(" ")).collect(),
        safety_number_spoken: number.map(|_| spoken(&groups)),
        qr_payload: number.map(|n| n.qr_payload.clone()),
        verified,
        sending_paused: changed,
        status_label: status_label.to_owned(),
        can_mark_verified: number.is_some() && !verified && !changed,
        can_unverify: verified,
        can_accept_change: changed,
    }
}

/// "1 2 3 4 5, 6 7 8 9 0, …": digits one by one so a screen reader does not read a group as
/// one large number.
fn spoken(groups: &[&str]) -> String {
    groups
        .iter()
        .map(|g| g.chars().map(String::from).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::identity::SafetyNumber;

    fn status(number: bool, verified: bool, changed: bool) -> IdentityStatus {
        let digits = (0..12)
            .map(|i| format!("{:05}", i * 11111 % 100_000))
            .collect::<Vec<_>>()
            .join(" ");
        IdentityStatus {
            peer_account: "acc-dr".into(),
            safety_number: number.then(|| SafetyNumber {
                digits,
                qr_payload: "solace-verify:1:AAAA".into(),
            }),
            verified,
            changed,
            devices: vec!["d1".into()],
        }
    }

    #[test]
    fn the_number_is_laid_out_in_three_rows_and_spoken_digit_by_digit() {
        let view = identity_view(&status(true, false, false));
        assert_eq!(
            view.safety_number_rows,
            vec![
                "00000 11111 22222 33333",
                "44444 55555 66666 77777",
                "88888 99999 11110 22221"
            ]
        );
        assert_eq!(view.safety_number.as_deref().map(str::len), Some(71));
        let spoken = view.safety_number_spoken.unwrap_or_default();
        assert!(spoken.starts_with("0 0 0 0 0, 1 1 1 1 1, "), "{spoken}");
        assert!(spoken.ends_with(", 2 2 2 2 1"), "{spoken}");
        assert_eq!(view.qr_payload.as_deref(), Some("solace-verify:1:AAAA"));
    }

    #[test]
    fn actions_follow_the_state() {
        let unverified = identity_view(&status(true, false, false));
        assert_eq!(
            unverified.status_label,
            "Not verified — compare the safety number"
        );
        assert!(unverified.can_mark_verified && !unverified.can_unverify);
        assert!(!unverified.sending_paused && !unverified.can_accept_change);

        let verified = identity_view(&status(true, true, false));
        assert_eq!(verified.status_label, "Verified");
        assert!(verified.verified && verified.can_unverify && !verified.can_mark_verified);

        // A change waiting: sending paused, only "accept" offered, never shown as verified.
        let changed = identity_view(&status(true, true, true));
        assert_eq!(changed.status_label, IDENTITY_CHANGED_LABEL);
        assert!(changed.sending_paused && changed.can_accept_change);
        assert!(!changed.verified && !changed.can_mark_verified && !changed.can_unverify);

        // Before the other person's identity is known: nothing to compare or do.
        let unknown = identity_view(&status(false, false, false));
        assert_eq!(unknown.status_label, "No safety number yet");
        assert!(unknown.safety_number_rows.is_empty());
        assert_eq!(unknown.safety_number_spoken, None);
        assert!(!unknown.can_mark_verified && !unknown.can_unverify && !unknown.can_accept_change);
    }
}
