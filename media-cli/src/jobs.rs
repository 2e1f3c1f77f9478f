//! `media-cli jobs …`: parses, calls one use case of the core, prints.

use clap::Subcommand;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use media_core::domain::JobStatus;
use media_core::ids::JobId;

use crate::{CliResult, connect};

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Counts by kind and status.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// The newest jobs, optionally of one status.
    List {
        #[arg(long, value_enum)]
        status: Option<JobStatus>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Delete jobs finished more than JOB_RETENTION_HOURS ago (the upkeep loop
    /// does this too); with --dead, dead jobs that old as well.
    Prune {
        #[arg(long)]
        dead: bool,
    },
    /// Put dead jobs back in the queue: by id, or all with --dead.
    Retry {
        #[arg(required_unless_present = "dead", conflicts_with = "dead")]
        ids: Vec<Uuid>,
        #[arg(long)]
        dead: bool,
    },
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub async fn run(command: JobsCommand) -> CliResult {
    // Kept whole: it owns the embedded store this command may talk to.
    let app = connect().await?;
    let media = &app.media;
    match command {
        JobsCommand::Stats { json } => {
            let stats = media.job_stats().await?;
            if json {
                let rows: Vec<_> = stats
                    .iter()
                    .map(|c| json!({"kind": c.kind, "status": c.status, "count": c.count}))
                    .collect();
                println!("{}", serde_json::to_string(&rows)?);
            } else if stats.is_empty() {
                println!("no jobs");
            } else {
                println!("{:<20} {:<8} {:>8}", "KIND", "STATUS", "COUNT");
                for c in stats {
                    println!("{:<20} {:<8} {:>8}", c.kind, c.status, c.count);
                }
            }
        }
        JobsCommand::List {
            status,
            limit,
            json,
        } => {
            let jobs = media.list_jobs(status, limit).await?;
            if json {
                let rows: Vec<_> = jobs
                    .iter()
                    .map(|j| {
                        json!({
                            "id": j.id.to_string(),
                            "kind": j.payload.kind(),
                            "status": j.status,
                            "attempts": j.attempts,
                            "lastError": j.last_error,
                            "runAt": rfc3339(j.run_at),
                            "createdAt": rfc3339(j.created_at),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string(&rows)?);
            } else {
                for j in jobs {
                    println!(
                        "{}  {:<18} {:<7} attempts={} {}",
                        j.id,
                        j.payload.kind().as_str(),
                        j.status.as_str(),
                        j.attempts,
                        j.last_error.unwrap_or_default()
                    );
                }
            }
        }
        JobsCommand::Prune { dead } => {
            let n = media.prune_jobs(dead).await?;
            println!("{n} job(s) pruned");
        }
        JobsCommand::Retry { ids, dead } => {
            let n = if dead {
                media.retry_dead_jobs().await?
            } else {
                let ids: Vec<JobId> = ids.into_iter().map(JobId::from).collect();
                media.retry_jobs(&ids).await?
            };
            println!("{n} job(s) queued again");
        }
    }
    Ok(())
}
