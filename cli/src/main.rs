//! `solace`: the terminal client for Solace, a privacy-first micro-therapy app.
//!
//! Everything is stored encrypted by `solace-core`; this binary parses arguments, asks for
//! secrets, and prints tables or JSON. Exit codes: 0 success, 1 error, 2 usage error,
//! 3 wrong passphrase, 4 no store yet, 5 store in use by another process.

mod account_cmd;
mod args;
mod assess_cmd;
mod backup_cmd;
mod console_cmd;
mod data_cmd;
mod devices_cmd;
mod error;
mod goals_cmd;
mod habit_cmd;
mod insights_cmd;
mod intake_cmd;
mod journal_cmd;
mod message_cmd;
mod micro_cmd;
mod mood_cmd;
mod output;
mod passphrase;
mod prompt;
mod referral_cmd;
mod remind_cmd;
mod report_cmd;
mod review_cmd;
mod safety_cmd;
mod sync_cmd;
mod therapist_cmd;
mod today_cmd;
mod unlock;
mod verify_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::error::{CliError, Result};
use crate::output::Output;

fn run(cli: Cli) -> Result<()> {
    if let Command::Server { config } = &cli.command {
        let config = solace_server::ServerConfig::load(config.as_deref())
            .map_err(|e| CliError::input(e.to_string()))?;
        return solace_server::run_blocking(config).map_err(|e| CliError::input(e.to_string()));
    }
    let data_dir = unlock::resolve_data_dir(cli.data_dir)?;
    if let Command::Console(args) = &cli.command {
        return console_cmd::run(&data_dir, args);
    }
    unlock::set_key_dir(unlock::resolve_key_dir(cli.key_dir)?);
    let ca_cert = cli.ca_cert.as_deref();
    let mut out = Output::stdout(cli.json);
    match cli.command {
        Command::Init {
            no_remember,
            generate_passphrase,
        } => unlock::init(&data_dir, !no_remember, generate_passphrase, &mut out)?,
        Command::Unlock => unlock::unlock(&data_dir, &mut out)?,
        Command::Lock => unlock::lock(&data_dir, &mut out)?,
        Command::Passwd {
            sign_out_others,
            generate_passphrase,
        } => unlock::passwd(&data_dir, sign_out_others, generate_passphrase, &mut out)?,
        Command::Recover {
            sign_out_others,
            generate_passphrase,
        } => unlock::recover(&data_dir, sign_out_others, generate_passphrase, &mut out)?,
        Command::Status => unlock::status(&data_dir, &mut out)?,
        Command::Journal(cmd) => journal_cmd::run(cmd, &data_dir, &mut out)?,
        Command::Mood(cmd) => mood_cmd::run(cmd, &data_dir, &mut out)?,
        Command::Habit(cmd) => habit_cmd::run(cmd, &data_dir, &mut out)?,
        Command::Session(args) => micro_cmd::run(args, &data_dir, &mut out)?,
        Command::Assess(cmd) => assess_cmd::run(cmd, &data_dir, &mut out)?,
        Command::SafetyPlan(args) => safety_cmd::run(args.command, &data_dir, &mut out)?,
        Command::Server { .. } | Command::Console(_) => {}
        Command::Register {
            server,
            username,
            device,
        } => sync_cmd::register(&data_dir, &server, &username, device, ca_cert, &mut out)?,
        Command::Login {
            server,
            username,
            device,
            no_remember,
        } => sync_cmd::login(
            &data_dir,
            sync_cmd::LoginArgs {
                server: &server,
                username: &username,
                device,
                remember: !no_remember,
                ca_cert,
            },
            &mut out,
        )?,
        Command::Devices { command } => devices_cmd::run(command, &data_dir, ca_cert, &mut out)?,
        Command::Account(cmd) => account_cmd::run(cmd, &data_dir, ca_cert, &mut out)?,
        Command::Sync { watch: true, .. } => sync_cmd::watch(&data_dir, ca_cert, &mut out)?,
        Command::Sync { background, .. } => {
            sync_cmd::sync_now(&data_dir, background, ca_cert, &mut out)?
        }
        Command::Report(args) => report_cmd::run(args, &data_dir, ca_cert, &mut out)?,
        Command::Backup { out: path, force } => {
            backup_cmd::backup(&data_dir, &path, force, &mut out)?
        }
        Command::Restore {
            file,
            store,
            recovery_key,
            generate_passphrase,
            yes,
            no_remember,
        } => backup_cmd::restore(
            &data_dir,
            backup_cmd::RestoreArgs {
                file,
                store,
                recovery_key,
                yes,
                no_remember,
                generate_passphrase,
            },
            &mut out,
        )?,
        Command::Export { format, out: path } => {
            data_cmd::export(&data_dir, &format, path, &mut out)?
        }
        Command::Import {
            file, from: None, ..
        } => data_cmd::import(&data_dir, &file, &mut out)?,
        Command::Import {
            file,
            from: Some(from),
            mood_map,
            mood_scale,
            dry_run,
        } => data_cmd::import_csv(
            &data_dir,
            &file,
            data_cmd::CsvImportArgs {
                from,
                mood_map,
                mood_scale,
                dry_run,
            },
            &mut out,
        )?,
        Command::Plan { command } => data_cmd::plan(&data_dir, command, &mut out)?,
        Command::Insights { days } => insights_cmd::run(days, &data_dir, &mut out)?,
        Command::Today => today_cmd::run(&data_dir, &mut out)?,
        Command::Remind(args) => remind_cmd::run(args, &data_dir, &mut out)?,
        Command::Therapist(cmd) => therapist_cmd::run(cmd, &data_dir, &mut out)?,
        Command::Directory(cmd) => therapist_cmd::directory(cmd, &data_dir, &mut out)?,
        Command::Link(cmd) => therapist_cmd::link(cmd, &data_dir, &mut out)?,
        Command::Review(args) => review_cmd::review(args, &data_dir, &mut out)?,
        Command::Reviews { therapist } => review_cmd::reviews(therapist, &data_dir, &mut out)?,
        Command::Message(cmd) => message_cmd::message(cmd, &data_dir, &mut out)?,
        Command::Conversation(cmd) => message_cmd::conversation(cmd, &data_dir, &mut out)?,
        Command::Share(args) => message_cmd::share(args.command, &data_dir, &mut out)?,
        Command::Call(cmd) => message_cmd::call(cmd, &data_dir, &mut out)?,
        Command::Verify(args) => verify_cmd::run(args, &data_dir, &mut out)?,
        Command::Intake(args) => intake_cmd::run(args.command, &data_dir, &mut out)?,
        Command::Referral(args) => referral_cmd::run(args.command, &data_dir, &mut out)?,
        Command::Goals(args) => goals_cmd::run(args.command, &data_dir, &mut out)?,
    }
    out.flush()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`solace journal list | head`): nothing left to say.
        Err(CliError::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            // Server error messages end up here: escape what a hostile server could send.
            eprintln!("error: {}", output::escape_controls(&err.message()));
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(1))
        }
    }
}
