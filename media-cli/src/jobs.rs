//! `media-cli jobs …`

use clap::Subcommand;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use media_core::domain::JobStatus;
use media_core::ids::JobId;
use media_core::ports::JobQueue;

use crate::{CliResult, Failure, connect};

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Counts by kind and status.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// The newest jobs, optionally of one status (queued, running, done, dead).
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Put dead jobs back in the queue: by id, or all with --dead.
    Retry {
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
    let app = connect().await?;
    let queue = &app.database;
    match command {
        JobsCommand::Stats { json } => {
            let stats = queue.stats().await?;
            if json {
                let rows: Vec<_> = stats
                    .iter()
                    .map(|c| json!({"kind": c.kind.as_str(), "status": c.status.as_str(), "count": c.count}))
                    .collect();
                println!("{}", serde_json::to_string(&rows)?);
            } else if stats.is_empty() {
                println!("no jobs");
            } else {
                println!("{:<20} {:<8} {:>8}", "KIND", "STATUS", "COUNT");
                for c in stats {
                    println!(
                        "{:<20} {:<8} {:>8}",
                        c.kind.as_str(),
                        c.status.as_str(),
                        c.count
                    );
                }
            }
        }
        JobsCommand::List {
            status,
            limit,
            json,
        } => {
            let status = status
                .map(|s| {
                    JobStatus::parse(&s).ok_or_else(|| {
                        Failure(format!(
                            "--status {s:?}: expected queued, running, done or dead"
                        ))
                    })
                })
                .transpose()?;
            let jobs = queue.list(status, limit.clamp(1, 10_000)).await?;
            if json {
                let rows: Vec<_> = jobs
                    .iter()
                    .map(|j| {
                        json!({
                            "id": j.id.to_string(),
                            "kind": j.payload.kind().as_str(),
                            "status": j.status.as_str(),
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
        JobsCommand::Retry { ids, dead } => {
            let now = OffsetDateTime::now_utc();
            let n = match (dead, ids.is_empty()) {
                (true, true) => queue.retry_all_dead(now).await?,
                (false, false) => {
                    let ids: Vec<JobId> = ids.into_iter().map(JobId::from).collect();
                    for id in &ids {
                        match queue.get(*id).await? {
                            None => return Err(Failure(format!("job {id} does not exist"))),
                            Some(j) if j.status != JobStatus::Dead => {
                                return Err(Failure(format!(
                                    "job {id} is {}, not dead",
                                    j.status.as_str()
                                )));
                            }
                            Some(_) => {}
                        }
                    }
                    queue.retry(&ids, now).await?
                }
                _ => return Err(Failure("give job ids, or --dead (not both)".into())),
            };
            println!("{n} job(s) queued again");
        }
    }
    Ok(())
}
