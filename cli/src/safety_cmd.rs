//! `solace safety-plan …`: the Stanley–Brown safety plan, crisis resources and the disclaimer.
//!
//! Showing the plan is one command with no arguments and never fails because the plan is empty;
//! if the store cannot be opened at all, the built-in crisis resources and the disclaimer are
//! still shown.

use std::path::Path;

use solace_core::safety::{self, CrisisResource, SafetyPlan, SafetyPrompt, Section, Settings};
use solace_core::{CoreError, Store};

use crate::args::SafetyPlanCommand;
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::prompt::LineInput;
use crate::unlock;

/// A part of the plan that holds entries: one of the six sections, or reasons for living.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// One of the six Stanley–Brown sections.
    Section(Section),
    /// What makes life worth living.
    Reasons,
}

impl Part {
    /// Every part, in the order of the plan.
    fn all() -> impl Iterator<Item = Part> {
        Section::ALL
            .into_iter()
            .map(Part::Section)
            .chain(std::iter::once(Part::Reasons))
    }

    /// Parses a section number 1–6, a section slug (dashes accepted) or `reasons`.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        if matches!(t.as_str(), "reasons" | "reasons_for_living" | "r") {
            return Ok(Part::Reasons);
        }
        Section::parse(&t).map(Part::Section).ok_or_else(|| {
            let slugs: Vec<String> = Section::ALL
                .iter()
                .map(|s| s.slug().replace('_', "-"))
                .collect();
            CliError::input(format!(
                "'{text}' is not a section: use 1-6, {} or reasons",
                slugs.join(", ")
            ))
        })
    }

    fn title(self) -> &'static str {
        match self {
            Part::Section(s) => s.title(),
            Part::Reasons => "Reasons for living",
        }
    }

    /// "1." for sections, nothing for reasons.
    fn number(self) -> String {
        match self {
            Part::Section(s) => {
                let n = Section::ALL.iter().position(|x| *x == s).unwrap_or(0) + 1;
                format!("{n}. ")
            }
            Part::Reasons => String::new(),
        }
    }

    fn slug(self) -> String {
        match self {
            Part::Section(s) => s.slug().replace('_', "-"),
            Part::Reasons => "reasons".to_owned(),
        }
    }

    fn entries(self, plan: &SafetyPlan) -> &Vec<String> {
        match self {
            Part::Section(s) => plan.section(s),
            Part::Reasons => &plan.reasons_for_living,
        }
    }

    fn entries_mut(self, plan: &mut SafetyPlan) -> &mut Vec<String> {
        match self {
            Part::Section(s) => plan.section_mut(s),
            Part::Reasons => &mut plan.reasons_for_living,
        }
    }
}

/// Runs `solace safety-plan [COMMAND]`.
pub fn run(command: Option<SafetyPlanCommand>, data_dir: &Path, out: &mut Output) -> Result<()> {
    match command.unwrap_or(SafetyPlanCommand::Show) {
        SafetyPlanCommand::Show => show(data_dir, out),
        SafetyPlanCommand::Add { section, text } => {
            let part = Part::parse(&section)?;
            let text = text.join(" ").trim().to_owned();
            if text.is_empty() {
                return Err(CliError::input("the entry is empty"));
            }
            let mut store = unlock::open(data_dir)?;
            let mut plan = safety::plan(&store)?;
            part.entries_mut(&mut plan).push(text);
            let plan = safety::save_plan(&mut store, plan, unlock::now())?;
            if out.json {
                return out.json(&plan);
            }
            let n = part.entries(&plan).len();
            out.line(format!("Added entry {n} to \"{}\".", part.title()))?;
            out.line("See the whole plan with `solace safety-plan`.")
        }
        SafetyPlanCommand::Remove { section, n } => {
            let part = Part::parse(&section)?;
            let mut store = unlock::open(data_dir)?;
            let mut plan = safety::plan(&store)?;
            let entries = part.entries_mut(&mut plan);
            if n == 0 || n > entries.len() {
                return Err(CliError::input(format!(
                    "\"{}\" has {} entr{}; see the numbers with `solace safety-plan`",
                    part.title(),
                    entries.len(),
                    if entries.len() == 1 { "y" } else { "ies" }
                )));
            }
            let removed = entries.remove(n - 1);
            let plan = safety::save_plan(&mut store, plan, unlock::now())?;
            if out.json {
                return out.json(&plan);
            }
            out.line(format!("Removed \"{removed}\" from \"{}\".", part.title()))
        }
        SafetyPlanCommand::Edit => edit(data_dir, out),
        SafetyPlanCommand::Region { code } => {
            let code = parse_region(&code)?;
            let mut store = unlock::open(data_dir)?;
            let mut settings = safety::settings(&store)?;
            settings.region = Some(code.clone());
            safety::save_settings(&mut store, &settings)?;
            let prompt = safety::prompt(&store);
            if out.json {
                return out.json(&serde_json::json!({
                    "region": code,
                    "resources": prompt.resources,
                }));
            }
            out.line(format!("Region set to {code}. Crisis resources now shown:"))?;
            print_resources(&prompt.resources, out)
        }
        SafetyPlanCommand::Contact { name, contact } => {
            let (name, contact) = (name.trim().to_owned(), contact.trim().to_owned());
            if name.is_empty() || contact.is_empty() {
                return Err(CliError::input("give both a name and how to reach them"));
            }
            let mut store = unlock::open(data_dir)?;
            let mut settings: Settings = safety::settings(&store)?;
            let region = settings.region.clone().unwrap_or_else(|| "INTL".to_owned());
            settings.custom_resources.push(CrisisResource {
                name,
                contact,
                region,
            });
            safety::save_settings(&mut store, &settings)?;
            let prompt = safety::prompt(&store);
            if out.json {
                return out.json(&prompt.resources);
            }
            out.line("Added. Your crisis resources (your own first):")?;
            print_resources(&prompt.resources, out)
        }
    }
}

/// `ISO 3166-1 alpha-2` (two letters) or `INTL`, upper-cased.
fn parse_region(text: &str) -> Result<String> {
    let code = text.trim().to_ascii_uppercase();
    if (code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic())) || code == "INTL" {
        Ok(code)
    } else {
        Err(CliError::input(format!(
            "'{text}' is not a country code like US, GB or DE (or INTL)"
        )))
    }
}

/// `solace safety-plan`: the plan, resources and disclaimer.
fn show(data_dir: &Path, out: &mut Output) -> Result<()> {
    let store = match unlock::open(data_dir) {
        Ok(store) => store,
        Err(err) => return show_fallback(err, out),
    };
    let prompt = safety::prompt(&store);
    if out.json {
        return out.json(&prompt);
    }
    for line in screen(&prompt, true) {
        out.line(line)?;
    }
    Ok(())
}

/// When the store cannot be opened: built-in resources and the disclaimer, then the error
/// (except when there is no store yet, which is not a failure here).
fn show_fallback(err: CliError, out: &mut Output) -> Result<()> {
    let prompt = SafetyPrompt::builtin();
    if out.json {
        out.json(&prompt)?;
    } else {
        out.line("Your own safety plan could not be opened, but help is available now:")?;
        out.line("")?;
        print_resources(&prompt.resources, out)?;
        out.line("")?;
        out.line(prompt.disclaimer)?;
    }
    match err {
        CliError::Core(CoreError::NotInitialized) => {
            if !out.json {
                out.line("")?;
                out.line("Create a store with `solace init` to write your own safety plan.")?;
            }
            Ok(())
        }
        other => Err(other),
    }
}

/// The safety screen as lines: the plan's sections (numbered entries), crisis resources and
/// the disclaimer. `full` lists empty sections too (the plan view); otherwise only sections
/// with entries are shown (the screen opened by an assessment).
pub fn screen(prompt: &SafetyPrompt, full: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let plan = &prompt.plan;
    if prompt.plan_unreadable {
        lines.push(safety::PLAN_UNREADABLE_NOTE.to_owned());
        if full {
            lines.push(
                "(The stored plan is damaged or was altered; nothing on this device was changed.)"
                    .to_owned(),
            );
        }
    } else if plan.is_empty() {
        lines.push("Your safety plan is empty.".to_owned());
        if full {
            lines.push(
                "Add entries with `solace safety-plan add SECTION TEXT`, e.g. \
                 `solace safety-plan add warning-signs \"Not sleeping\"`,"
                    .to_owned(),
            );
            lines.push(
                "or walk through every section with `solace safety-plan edit`. Sections:"
                    .to_owned(),
            );
            for part in Part::all() {
                lines.push(format!(
                    "  {:<22} {}{}",
                    part.slug(),
                    part.number(),
                    part.title()
                ));
            }
        } else {
            lines.push("You can write one later with `solace safety-plan edit`.".to_owned());
        }
    } else {
        lines.push("Your safety plan".to_owned());
        for part in Part::all() {
            let entries = part.entries(plan);
            if entries.is_empty() && !full {
                continue;
            }
            lines.push(String::new());
            lines.push(format!("{}{}", part.number(), part.title()));
            if entries.is_empty() {
                lines.push(format!(
                    "   (nothing yet — `solace safety-plan add {} TEXT`)",
                    part.slug()
                ));
            }
            for (i, entry) in entries.iter().enumerate() {
                lines.push(format!("   {}) {entry}", i + 1));
            }
        }
    }
    lines.push(String::new());
    if prompt.settings_unreadable {
        lines.push(
            "Your own crisis contacts and region could not be read; built-in resources follow."
                .to_owned(),
        );
    }
    lines.extend(resource_lines(&prompt.resources));
    lines.push(String::new());
    lines.push(prompt.disclaimer.to_owned());
    lines
}

fn resource_lines(resources: &[CrisisResource]) -> Vec<String> {
    let mut lines = vec!["Crisis resources".to_owned()];
    for r in resources {
        lines.push(format!("  • {} — {} ({})", r.name, r.contact, r.region));
    }
    lines
}

fn print_resources(resources: &[CrisisResource], out: &mut Output) -> Result<()> {
    for line in resource_lines(resources) {
        out.line(line)?;
    }
    Ok(())
}

/// `solace safety-plan edit`: every part in turn; lines add entries, `-N` removes entry N, a
/// blank line (or the end of input) moves on. Saved after each part.
fn edit(data_dir: &Path, out: &mut Output) -> Result<()> {
    let mut store = unlock::open(data_dir)?;
    let mut input = LineInput::stdin(out.json);
    let mut plan = safety::plan(&store)?;
    input.say(
        "Your safety plan, section by section. Type one entry per line; a blank line moves \
         to the next section; -N removes entry N.\n",
    )?;
    let mut ended = false;
    for part in Part::all() {
        if ended {
            break;
        }
        input.say(&format!("\n{}{}\n", part.number(), part.title()))?;
        for (i, entry) in part.entries(&plan).iter().enumerate() {
            input.say(&format!("   {}) {entry}\n", i + 1))?;
        }
        loop {
            let Some(line) = input.ask_or_end("  add", |t| Ok(t.to_owned()))? else {
                ended = true;
                break;
            };
            if line.is_empty() {
                break;
            }
            let entries = part.entries_mut(&mut plan);
            match removal(&line) {
                Some(n) if (1..=entries.len()).contains(&n) => {
                    let removed = entries.remove(n - 1);
                    input.say(&format!("   removed \"{removed}\"\n"))?;
                }
                Some(n) => input.say(&format!("   there is no entry {n} here\n"))?,
                None => entries.push(line),
            }
        }
        plan = save(&mut store, plan)?;
    }
    if out.json {
        return out.json(&plan);
    }
    out.line("")?;
    out.line("Saved. See the plan any time with `solace safety-plan`.")
}

fn save(store: &mut Store, plan: SafetyPlan) -> Result<SafetyPlan> {
    Ok(safety::save_plan(store, plan, unlock::now())?)
}

/// `-3` → 3.
fn removal(line: &str) -> Option<usize> {
    let digits = line.strip_prefix('-')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_regions_parse() {
        assert_eq!(
            Part::parse("warning-signs").unwrap(),
            Part::Section(Section::WarningSigns)
        );
        assert_eq!(
            Part::parse("6").unwrap(),
            Part::Section(Section::SafeEnvironment)
        );
        assert_eq!(Part::parse("reasons").unwrap(), Part::Reasons);
        assert!(Part::parse("8").is_err());
        assert_eq!(parse_region("gb").unwrap(), "GB");
        assert_eq!(parse_region("intl").unwrap(), "INTL");
        assert!(parse_region("usa").is_err());
        assert_eq!(removal("-2"), Some(2));
        assert_eq!(removal("- walk"), None);
        assert_eq!(removal("-"), None);
    }

    #[test]
    fn an_empty_plan_still_shows_resources_and_disclaimer() {
        let prompt = SafetyPrompt {
            plan: SafetyPlan::default(),
            resources: safety::builtin_resources("US"),
            disclaimer: safety::DISCLAIMER,
            plan_unreadable: false,
            settings_unreadable: false,
        };
        let text = screen(&prompt, true).join("\n");
        assert!(text.contains("safety-plan edit"));
        assert!(!text.contains("could not be read"));
        assert!(text.contains("988"));
        assert!(text.contains("cannot respond to emergencies"));
        let text = screen(&SafetyPrompt::builtin(), false).join("\n");
        assert!(text.contains("could not be read"));
        assert!(text.contains("emergency"));
        assert!(text.contains("cannot respond to emergencies"));
    }
}
