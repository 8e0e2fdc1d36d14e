//! The safety plan (the six Stanley–Brown sections, in the person's own words) and crisis
//! resources by region. Always reachable offline with one call ([`prompt`]).
//!
//! Solace never claims to handle emergencies: every prompt carries a disclaimer pointing to
//! local emergency services.

use crate::error::InputProblem;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// Shown with every safety prompt.
pub const DISCLAIMER: &str = "Solace cannot respond to emergencies. If you are in danger or might act on thoughts of harming yourself, call your local emergency number now or go to the nearest emergency department.";

/// The six sections of a Stanley–Brown safety plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 1. Warning signs that a crisis may be developing.
    WarningSigns,
    /// 2. Things I can do on my own to take my mind off problems.
    CopingStrategies,
    /// 3. People and social settings that provide distraction.
    DistractionContacts,
    /// 4. People I can ask for help.
    HelpContacts,
    /// 5. Professionals or agencies I can contact during a crisis.
    Professionals,
    /// 6. Making the environment safe.
    SafeEnvironment,
}

impl Section {
    /// All sections in the order of the plan.
    pub const ALL: [Section; 6] = [
        Section::WarningSigns,
        Section::CopingStrategies,
        Section::DistractionContacts,
        Section::HelpContacts,
        Section::Professionals,
        Section::SafeEnvironment,
    ];

    /// The section heading.
    pub fn title(self) -> &'static str {
        match self {
            Section::WarningSigns => "Warning signs that a crisis may be developing",
            Section::CopingStrategies => {
                "Things I can do on my own to take my mind off my problems"
            }
            Section::DistractionContacts => "People and places that help me feel better",
            Section::HelpContacts => "People I can ask for help",
            Section::Professionals => "Professionals or agencies I can contact in a crisis",
            Section::SafeEnvironment => "Making my environment safe",
        }
    }

    /// Stable name for files and the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Section::WarningSigns => "warning_signs",
            Section::CopingStrategies => "coping_strategies",
            Section::DistractionContacts => "distraction_contacts",
            Section::HelpContacts => "help_contacts",
            Section::Professionals => "professionals",
            Section::SafeEnvironment => "safe_environment",
        }
    }

    /// Parses a slug (dashes accepted) or a 1-based section number.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        if let Ok(n) = t.parse::<usize>() {
            return Self::ALL.get(n.checked_sub(1)?).copied();
        }
        Self::ALL.into_iter().find(|s| s.slug() == t)
    }
}

/// The person's safety plan: entries per section in their own words.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SafetyPlan {
    /// Section 1.
    #[serde(default)]
    pub warning_signs: Vec<String>,
    /// Section 2.
    #[serde(default)]
    pub coping_strategies: Vec<String>,
    /// Section 3.
    #[serde(default)]
    pub distraction_contacts: Vec<String>,
    /// Section 4.
    #[serde(default)]
    pub help_contacts: Vec<String>,
    /// Section 5.
    #[serde(default)]
    pub professionals: Vec<String>,
    /// Section 6.
    #[serde(default)]
    pub safe_environment: Vec<String>,
    /// What makes life worth living (optional, often added on the plan's first page).
    #[serde(default)]
    pub reasons_for_living: Vec<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<DateTime<FixedOffset>>,
}

impl SafetyPlan {
    /// The entries of one section.
    pub fn section(&self, section: Section) -> &Vec<String> {
        match section {
            Section::WarningSigns => &self.warning_signs,
            Section::CopingStrategies => &self.coping_strategies,
            Section::DistractionContacts => &self.distraction_contacts,
            Section::HelpContacts => &self.help_contacts,
            Section::Professionals => &self.professionals,
            Section::SafeEnvironment => &self.safe_environment,
        }
    }

    /// The entries of one section, for editing.
    pub fn section_mut(&mut self, section: Section) -> &mut Vec<String> {
        match section {
            Section::WarningSigns => &mut self.warning_signs,
            Section::CopingStrategies => &mut self.coping_strategies,
            Section::DistractionContacts => &mut self.distraction_contacts,
            Section::HelpContacts => &mut self.help_contacts,
            Section::Professionals => &mut self.professionals,
            Section::SafeEnvironment => &mut self.safe_environment,
        }
    }

    /// The plan with entries trimmed and empty ones dropped, checked against the entry length
    /// limit; also what an import checks a plan with.
    pub(crate) fn cleaned(mut self) -> Result<Self> {
        for section in Section::ALL {
            clean(self.section_mut(section))?;
        }
        clean(&mut self.reasons_for_living)?;
        Ok(self)
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        Section::ALL.iter().all(|s| self.section(*s).is_empty())
            && self.reasons_for_living.is_empty()
    }
}

/// A crisis line or emergency number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisResource {
    /// Service name.
    pub name: String,
    /// How to reach it ("call or text 988").
    pub contact: String,
    /// Region code it applies to (ISO 3166-1 alpha-2, or "INTL").
    pub region: String,
}

fn resource(name: &str, contact: &str, region: &str) -> CrisisResource {
    CrisisResource {
        name: name.into(),
        contact: contact.into(),
        region: region.into(),
    }
}

/// Built-in resources for `region` (ISO country code); unknown regions get the international
/// fallback. People can replace them with their own in settings.
pub fn builtin_resources(region: &str) -> Vec<CrisisResource> {
    let region = region.trim().to_ascii_uppercase();
    let mut list = match region.as_str() {
        "US" => vec![
            resource("988 Suicide & Crisis Lifeline", "call or text 988", "US"),
            resource("Emergency services", "call 911", "US"),
        ],
        "CA" => vec![
            resource("9-8-8 Suicide Crisis Helpline", "call or text 988", "CA"),
            resource("Emergency services", "call 911", "CA"),
        ],
        "GB" | "UK" => vec![
            resource("Samaritans", "call 116 123", "GB"),
            resource("Emergency services", "call 999", "GB"),
        ],
        "IE" => vec![
            resource("Samaritans", "call 116 123", "IE"),
            resource("Emergency services", "call 112 or 999", "IE"),
        ],
        "AU" => vec![
            resource("Lifeline", "call 13 11 14", "AU"),
            resource("Emergency services", "call 000", "AU"),
        ],
        "DE" => vec![
            resource("TelefonSeelsorge", "call 0800 111 0 111", "DE"),
            resource("Notruf", "call 112", "DE"),
        ],
        _ => Vec::new(),
    };
    list.push(resource(
        "Local emergency services",
        "call your local emergency number (112 in the EU)",
        "INTL",
    ));
    list
}

/// Preferences that travel with the vault.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Settings {
    /// Region for built-in crisis resources (ISO country code).
    #[serde(default)]
    pub region: Option<String>,
    /// The person's own crisis contacts, shown before the built-in ones.
    #[serde(default)]
    pub custom_resources: Vec<CrisisResource>,
    /// Show only neutral text in notifications.
    #[serde(default = "default_true")]
    pub discreet_notifications: bool,
    /// What flows to each linked therapist on its own (by therapist account id; absent = all
    /// off). See `messaging::consent`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub link_consent: std::collections::BTreeMap<String, crate::messaging::consent::LinkConsent>,
    /// Check-in and session reminders, quiet hours, snooze length (absent = defaults: left
    /// out while they are the defaults, so older records keep their shape). See
    /// `reminders`.
    #[serde(
        default,
        skip_serializing_if = "crate::reminders::ReminderSettings::is_default"
    )]
    pub reminders: crate::reminders::ReminderSettings,
}

fn default_true() -> bool {
    true
}

/// Everything the safety screen shows, available offline.
///
/// Assembled from whatever can be read: the person's plan and settings when they open, the
/// built-in crisis resources and the disclaimer always. A prompt is never an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyPrompt {
    /// The person's plan (empty if not written yet, or if it could not be read).
    pub plan: SafetyPlan,
    /// Crisis resources: the person's own first, then built-in for their region.
    pub resources: Vec<CrisisResource>,
    /// That Solace cannot handle emergencies.
    pub disclaimer: &'static str,
    /// The stored plan exists but could not be read (damaged or tampered with); the screen
    /// says so and shows the built-in resources.
    #[serde(default)]
    pub plan_unreadable: bool,
    /// The stored settings (region, the person's own contacts) could not be read, so only
    /// the built-in resources are shown.
    #[serde(default)]
    pub settings_unreadable: bool,
}

impl SafetyPrompt {
    /// The prompt built only from built-in data, for when no store can be opened at all:
    /// an empty plan (marked unreadable), the international resources and the disclaimer.
    pub fn builtin() -> Self {
        SafetyPrompt {
            plan: SafetyPlan::default(),
            resources: builtin_resources(""),
            disclaimer: DISCLAIMER,
            plan_unreadable: true,
            settings_unreadable: true,
        }
    }
}

/// Shown in place of the plan when it could not be read.
pub const PLAN_UNREADABLE_NOTE: &str =
    "Your own safety plan could not be read on this device, but help is available now:";

/// The saved plan, or an empty one.
pub fn plan(store: &Store) -> Result<SafetyPlan> {
    let id = RecordId::singleton(RecordKind::SafetyPlan);
    Ok(store.get(RecordKind::SafetyPlan, &id)?.unwrap_or_default())
}

/// Saves the plan (trimmed entries, empty ones dropped).
pub fn save_plan(
    store: &mut Store,
    mut plan: SafetyPlan,
    now: DateTime<FixedOffset>,
) -> Result<SafetyPlan> {
    plan = plan.cleaned()?;
    plan.updated_at = Some(now);
    store.put(
        RecordKind::SafetyPlan,
        &RecordId::singleton(RecordKind::SafetyPlan),
        &plan,
    )?;
    Ok(plan)
}

fn clean(entries: &mut Vec<String>) -> Result<()> {
    entries.iter_mut().for_each(|e| *e = e.trim().to_owned());
    entries.retain(|e| !e.is_empty());
    if entries.iter().any(|e| e.chars().count() > 1000) {
        return Err(CoreError::invalid(
            "safety-plan entry",
            InputProblem::TooLong { max: 1000 },
        ));
    }
    Ok(())
}

/// The saved settings, or defaults.
pub fn settings(store: &Store) -> Result<Settings> {
    let id = RecordId::singleton(RecordKind::Settings);
    Ok(store.get(RecordKind::Settings, &id)?.unwrap_or(Settings {
        discreet_notifications: true,
        ..Settings::default()
    }))
}

/// Saves settings.
pub fn save_settings(store: &mut Store, settings: &Settings) -> Result<()> {
    store.put(
        RecordKind::Settings,
        &RecordId::singleton(RecordKind::Settings),
        settings,
    )
}

/// The safety screen: plan, resources (own first) and disclaimer. Works offline and never
/// fails: a plan or settings record that cannot be read (damaged, tampered with, storage
/// error) is replaced by built-in data and flagged in the prompt.
pub fn prompt(store: &Store) -> SafetyPrompt {
    let (settings, settings_unreadable) = match settings(store) {
        Ok(s) => (s, false),
        Err(_) => (Settings::default(), true),
    };
    let (plan, plan_unreadable) = match plan(store) {
        Ok(p) => (p, false),
        Err(_) => (SafetyPlan::default(), true),
    };
    let mut resources = settings.custom_resources.clone();
    resources.extend(builtin_resources(settings.region.as_deref().unwrap_or("")));
    SafetyPrompt {
        plan,
        resources,
        disclaimer: DISCLAIMER,
        plan_unreadable,
        settings_unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    #[test]
    fn plan_round_trips_and_resources_follow_the_region() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        assert!(plan(&store).unwrap().is_empty());
        let now = DateTime::parse_from_rfc3339("2026-11-01T09:00:00Z").unwrap();
        let mut p = SafetyPlan::default();
        p.section_mut(Section::WarningSigns)
            .extend(["Not sleeping".to_string(), "  ".to_string()]);
        p.section_mut(Section::HelpContacts)
            .push("My sister Ana".into());
        let saved = save_plan(&mut store, p, now).unwrap();
        assert_eq!(saved.warning_signs, vec!["Not sleeping"]);
        assert_eq!(plan(&store).unwrap(), saved);
        assert_eq!(prompt(&store).resources.last().unwrap().region, "INTL");
        let mut s = settings(&store).unwrap();
        assert!(s.discreet_notifications);
        s.region = Some("gb".into());
        s.custom_resources
            .push(resource("My therapist", "call 0123", "GB"));
        save_settings(&mut store, &s).unwrap();
        let prompt = prompt(&store);
        assert!(!prompt.plan_unreadable && !prompt.settings_unreadable);
        assert_eq!(prompt.resources[0].name, "My therapist");
        assert_eq!(prompt.resources[1].name, "Samaritans");
        assert_eq!(Section::parse("2"), Some(Section::CopingStrategies));
        assert_eq!(
            Section::parse("safe-environment"),
            Some(Section::SafeEnvironment)
        );
        assert_eq!(Section::parse("7"), None);
    }
}
