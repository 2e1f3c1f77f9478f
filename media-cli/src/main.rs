//! `media-cli`: operator tasks on the same core and configuration as the server (SPEC §8).

mod audit;
mod directory;
mod faces;
mod jobs;
mod pipeline;
mod processing;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use media_adapters::assemble::{Assembled, assemble};
use media_adapters::config::Config;
use media_core::domain::{Audience, Role};

#[derive(Parser)]
#[command(
    name = "media-cli",
    version,
    about = "Operators' tool for the media service (same configuration as media-server: environment and .env)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply database migrations.
    Migrate,
    /// Re-enqueue processing of photos.
    Reprocess(processing::ReprocessArgs),
    /// Delete photos (rows and objects) or orphaned objects.
    Purge(processing::PurgeArgs),
    /// Compare the database with the store; --fix repairs what is safe.
    Audit(audit::AuditArgs),
    /// Inspect and retry jobs.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Manage operators, photographers, projects, assignments, members and consents.
    Directory {
        #[command(subcommand)]
        command: directory::DirectoryCommand,
    },
    /// Print a token signed with the configured HS256 secret (development and tests).
    Token {
        #[arg(long)]
        sub: uuid::Uuid,
        #[arg(long, value_enum)]
        aud: Audience,
        #[arg(long, value_enum)]
        role: Role,
        /// Lifetime, e.g. 30m, 1h, 7d
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Run the built-in face engine on local files.
    Faces {
        #[command(subcommand)]
        command: faces::FacesCommand,
    },
    /// Run the image pipeline on local files.
    Pipeline {
        #[command(subcommand)]
        command: pipeline::PipelineCommand,
    },
}

/// A failure reported in one line.
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

pub type CliResult<T = ()> = Result<T, Failure>;

/// The configuration, as the server reads it. With the embedded store, the
/// CLI talks to the running server's store, or opens a private one when no
/// server runs (see `media_adapters::assemble`).
pub fn config() -> CliResult<Config> {
    Ok(Config::load()?)
}

pub async fn connect() -> CliResult<Assembled> {
    Ok(assemble(&config()?).await?)
}

/// Asks on a terminal; refuses without `--yes` elsewhere.
pub fn confirm(question: &str, yes: bool) -> CliResult {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure(format!(
            "{question}: refusing without --yes (not a terminal)"
        )));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure("cancelled".into()))
    }
}

pub fn parse_ttl(raw: &str) -> CliResult<Duration> {
    let (num, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| Failure(format!("--ttl {raw:?}: expected e.g. 30m, 1h, 7d")))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(Failure(format!("--ttl {raw:?}: unit must be s, m, h or d"))),
    };
    if secs == 0 {
        return Err(Failure("--ttl must be positive".into()));
    }
    Ok(Duration::from_secs(secs))
}

async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Migrate => {
            let config = config()?;
            // Connecting applies the migrations.
            media_adapters::sql::SqlStore::connect(
                &config.database_url,
                config.settings.job_max_attempts,
            )
            .await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Reprocess(args) => processing::reprocess(args).await,
        Command::Purge(args) => processing::purge(args).await,
        Command::Audit(args) => audit::run(args).await,
        Command::Jobs { command } => jobs::run(command).await,
        Command::Directory { command } => directory::run(command).await,
        Command::Token {
            sub,
            aud,
            role,
            ttl,
        } => {
            let config = config()?;
            let token =
                media_adapters::jwt::mint_hs256(&config.jwt, sub, aud, role, parse_ttl(&ttl)?)?;
            println!("{token}");
            Ok(())
        }
        Command::Faces { command } => faces::run(command),
        Command::Pipeline { command } => pipeline::run(command),
    }
}

/// A reader that goes away (`media-cli jobs list | head -1`) ends the CLI
/// as it ends other Unix tools, by SIGPIPE: Rust starts programs with the
/// signal ignored, and the next `println!` then panicked on the closed pipe.
#[cfg(unix)]
fn end_quietly_when_the_reader_goes() {
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    // SAFETY: restores SIGPIPE's default action, before any thread exists.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

fn main() -> ExitCode {
    #[cfg(unix)]
    end_quietly_when_the_reader_goes();
    let cli = Cli::parse();
    // `pipeline run` renders as the workers do: the same allocator settings.
    let runtime = match media_adapters::allocator::tuned_runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("media-cli: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            let line = msg.lines().next().unwrap_or("failed");
            eprintln!("media-cli: {line}");
            ExitCode::FAILURE
        }
    }
}
