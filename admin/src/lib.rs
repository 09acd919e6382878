//! `myclaude-admin`: what an operator does from a shell, with the product's own domain
//! code and the functions' configuration (the same environment variables: on the
//! local stack, `make admin ARGS="…"` sets them). The commands are a library, so the
//! system tests run them against the emulator as the binary does.

use clap::{Parser, Subcommand};
use shared::auth::service::operator::{self, NewUser};
use shared::model::ImportFormat;
use shared::portability;
use shared::store::users::UserItem;
use shared::{ApiError, Deps};
use std::path::PathBuf;
use std::time::Instant;

/// The operator's command line for myclaude: accounts, imports and exports.
///
/// It reads the table, bucket and queues the functions use, configured by the same
/// environment variables (TABLE_NAME, FILES_BUCKET, AWS_ENDPOINT_URL, … see the
/// README's "Configuration"). Against the local stack: `make admin ARGS="…"`.
#[derive(Parser)]
#[command(name = "myclaude-admin", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create an account (checked as registration checks it).
    ///
    /// Without --password-file the account has no password: its owner sets one with
    /// "forgot password", or signs in with Google.
    CreateUser {
        /// The account's email address.
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// Read the password from the first line of this file ("-": standard input),
        /// so it is never on a command line.
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Count the email as verified already (else: verify-user).
        #[arg(long)]
        verified: bool,
    },
    /// Mark an account's email verified, so its owner can sign in.
    VerifyUser {
        /// The account's email address.
        #[arg(long)]
        user: String,
    },
    /// Disable an account: its sessions are revoked and every sign-in is refused.
    DisableUser {
        /// The account's email address.
        #[arg(long)]
        user: String,
    },
    /// Enable a disabled account again.
    EnableUser {
        /// The account's email address.
        #[arg(long)]
        user: String,
    },
    /// Import a file into an account, as POST /import does: a Claude.ai or ChatGPT
    /// export (conversations.json, or the export's zip) or a myclaude archive.
    ///
    /// Prints what came in (JSON, as GET /import/{id} shows it). Importing the same
    /// file again creates nothing twice.
    Import {
        /// The account's email address.
        #[arg(long)]
        user: String,
        /// claude_ai, chatgpt or myclaude.
        #[arg(long, value_parser = parse_format)]
        format: ImportFormat,
        /// The file: JSON, or a zip.
        file: PathBuf,
    },
    /// Write the account's myclaude archive (as POST /export does) to standard output
    /// or --output.
    Export {
        /// The account's email address.
        #[arg(long)]
        user: String,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// The command `args` name (the program's name first), or clap's message why not.
pub fn command_from<'a>(args: impl IntoIterator<Item = &'a str>) -> Result<Command, String> {
    Cli::try_parse_from(args).map(|cli| cli.command).map_err(|err| err.to_string())
}

/// The first line of `path` ("-": standard input), without its line break.
fn first_line(path: &std::path::Path) -> Result<String, ApiError> {
    let unreadable =
        |err: std::io::Error| ApiError::invalid_request(format!("{} cannot be read: {err}", path.display()));
    let mut line = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_line(&mut line).map_err(unreadable)?;
    } else {
        let text = std::fs::read_to_string(path).map_err(unreadable)?;
        line = text.lines().next().unwrap_or_default().to_string();
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn parse_format(text: &str) -> Result<ImportFormat, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| format!("{text:?} is not a format: claude_ai, chatgpt or myclaude"))
}

fn describe(user: &UserItem) -> String {
    let state = match (user.disabled_at, user.email_verified) {
        (Some(at), _) => {
            let at = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| at.to_string());
            format!("disabled since {at}")
        }
        (None, true) => "verified".into(),
        (None, false) => "not verified".into(),
    };
    format!("{} ({}, user {}): {state}", user.email, user.username, user.id)
}

/// Runs one command; what it prints on standard output (an export to standard output
/// is written there as it goes). Progress and figures go to standard error.
pub async fn run(deps: &Deps, command: Command) -> Result<String, ApiError> {
    match command {
        Command::CreateUser { email, first_name, last_name, password_file, verified } => {
            let password = match password_file {
                Some(path) => Some(first_line(&path)?),
                None => None,
            };
            let new = NewUser { email, password, first_name, last_name, verified };
            let user = operator::create_user(deps, new).await?;
            Ok(format!("created {}\n", describe(&user)))
        }
        Command::VerifyUser { user } => Ok(format!("{}\n", describe(&operator::verify_user(deps, &user).await?))),
        Command::DisableUser { user } => Ok(format!("{}\n", describe(&operator::disable_user(deps, &user).await?))),
        Command::EnableUser { user } => Ok(format!("{}\n", describe(&operator::enable_user(deps, &user).await?))),
        Command::Import { user, format, file } => {
            let owner = operator::user_by_email(deps, &user).await?;
            let started = Instant::now();
            let report = portability::import_file(deps, owner.id, format, &file).await?;
            let (status, imported, errors) = match report {
                Ok(report) => ("complete", report.imported, report.errors),
                Err(err) => ("failed", Default::default(), vec![err.0]),
            };
            let body = serde_json::json!({"status": status, "format": format, "imported": imported, "errors": errors});
            eprintln!("{} in {:.1} s; {}", status, started.elapsed().as_secs_f64(), peak_memory());
            if status == "failed" {
                let why = errors.join(" ");
                return Err(ApiError::invalid_request(format!("The file could not be imported: {why}")));
            }
            Ok(format!("{}\n", serde_json::to_string_pretty(&body).expect("a report serialises")))
        }
        Command::Export { user, output } => {
            let owner = operator::user_by_email(deps, &user).await?;
            let started = Instant::now();
            let (exported, size) = match &output {
                Some(path) => {
                    let file = tokio::fs::File::create(path).await.map_err(|err| {
                        ApiError::invalid_request(format!("{} cannot be written: {err}", path.display()))
                    })?;
                    portability::export::export_to(deps, owner.id, file).await?
                }
                None => portability::export::export_to(deps, owner.id, tokio::io::stdout()).await?,
            };
            let counts = serde_json::to_string(&exported).expect("counts serialise");
            eprintln!("exported {counts}: {size} bytes in {:.1} s; {}", started.elapsed().as_secs_f64(), peak_memory());
            Ok(String::new())
        }
    }
}

/// The process's peak resident memory (Linux: VmHWM), for the record.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("peak RSS {:.1} MB", kb as f64 / 1024.0))
        })
        .unwrap_or_else(|| "peak RSS unknown".into())
}
