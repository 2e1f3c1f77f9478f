//! `media-cli reprocess` and `media-cli purge`: through the core's use cases.

use std::collections::HashSet;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use uuid::Uuid;

use media_core::domain::{JobPayload, JobStatus, PhotoStatus};
use media_core::ids::PhotoId;
use media_core::ports::{JobQueue, PhotoRepo};
use media_core::service::{Media, ReprocessStep};

use crate::{CliResult, Failure, confirm, connect};

#[derive(Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["photo", "project", "failed"])))]
pub struct ReprocessArgs {
    /// Photo ids.
    #[arg(long, num_args = 1..)]
    photo: Vec<Uuid>,
    /// Every photo of a project.
    #[arg(long)]
    project: Option<Uuid>,
    /// Every failed photo.
    #[arg(long)]
    failed: bool,
    /// thumbnails, watermark, faces or all
    #[arg(long, default_value = "all")]
    step: String,
    /// Follow the jobs to the end with a progress bar.
    #[arg(long)]
    wait: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["photo", "project", "orphans"])))]
pub struct PurgeArgs {
    #[arg(long, num_args = 1..)]
    photo: Vec<Uuid>,
    #[arg(long)]
    project: Option<Uuid>,
    /// Objects with no row, and uploads expired long ago.
    #[arg(long)]
    orphans: bool,
    /// Print what would go; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    #[arg(long)]
    json: bool,
}

async fn photos_of(
    media: &Media,
    photo: &[Uuid],
    project: Option<Uuid>,
    failed: bool,
) -> CliResult<Vec<PhotoId>> {
    if let Some(p) = project {
        Ok(media.photos_of_project(p.into()).await?)
    } else if failed {
        Ok(media.failed_photos().await?)
    } else {
        Ok(photo.iter().map(|id| PhotoId::from(*id)).collect())
    }
}

pub async fn reprocess(args: ReprocessArgs) -> CliResult {
    let step = ReprocessStep::parse(&args.step).ok_or_else(|| {
        Failure(format!(
            "--step {:?}: expected thumbnails, watermark, faces or all",
            args.step
        ))
    })?;
    let app = connect().await?;
    let media = &app.media;
    let photos = photos_of(media, &args.photo, args.project, args.failed).await?;
    for id in &photos {
        if app.database.photo(*id).await?.is_none() {
            return Err(Failure(format!("photo {id} does not exist")));
        }
    }
    let jobs = media.reprocess(&photos, step).await?;
    if !args.wait {
        if args.json {
            println!("{}", json!({"photos": photos.len(), "jobs": jobs.len()}));
        } else {
            println!(
                "{} job(s) enqueued for {} photo(s)",
                jobs.len(),
                photos.len()
            );
        }
        return Ok(());
    }
    wait_for(&app.database, &jobs).await?;
    let (mut ready, mut failed) = (0, Vec::new());
    for id in &photos {
        if let Some(p) = app.database.photo(*id).await? {
            match p.status {
                PhotoStatus::Failed => failed.push((
                    id.to_string(),
                    p.failure_reason.map_or("unknown", |r| r.as_str()),
                )),
                _ => ready += 1,
            }
        }
    }
    if args.json {
        let failed: Vec<_> = failed
            .iter()
            .map(|(id, r)| json!({"photoId": id, "reason": r}))
            .collect();
        println!("{}", json!({"done": ready, "failed": failed}));
    } else {
        println!("done: {ready}, failed: {}", failed.len());
        for (id, reason) in failed {
            println!("  {id}: {reason}");
        }
    }
    Ok(())
}

/// Follows the jobs until none of them is queued or running.
async fn wait_for(queue: &media_adapters::sql::SqlStore, jobs: &[JobPayload]) -> CliResult {
    let wanted: HashSet<String> = jobs.iter().map(JobPayload::to_json).collect();
    let bar = ProgressBar::new(wanted.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} jobs {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("(media-server's workers run them)");
    loop {
        let mut pending = 0;
        for status in [JobStatus::Queued, JobStatus::Running] {
            pending += queue
                .list(Some(status), 10_000)
                .await?
                .iter()
                .filter(|j| wanted.contains(&j.payload.to_json()))
                .count();
        }
        bar.set_position((wanted.len() - pending.min(wanted.len())) as u64);
        if pending == 0 {
            bar.finish_and_clear();
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub async fn purge(args: PurgeArgs) -> CliResult {
    let app = connect().await?;
    let media = &app.media;
    let report = if args.orphans {
        let preview = media.purge_orphans(true).await?;
        let nothing = preview.objects.is_empty() && preview.photos.is_empty();
        if !args.dry_run && !nothing {
            confirm(
                &format!(
                    "delete {} orphaned object(s) and {} expired upload(s)?",
                    preview.objects.len(),
                    preview.photos.len()
                ),
                args.yes,
            )?;
            media.purge_orphans(false).await?
        } else {
            preview
        }
    } else {
        let photos = photos_of(media, &args.photo, args.project, false).await?;
        for id in &photos {
            if app.database.photo(*id).await?.is_none() {
                return Err(Failure(format!("photo {id} does not exist")));
            }
        }
        if !args.dry_run && !photos.is_empty() {
            confirm(
                &format!("delete {} photo(s) with all their objects?", photos.len()),
                args.yes,
            )?;
        }
        let bar = if args.dry_run || photos.len() < 20 {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(photos.len() as u64)
        };
        let mut done = Vec::new();
        for chunk in photos.chunks(50) {
            let r = media.purge_photos(chunk, args.dry_run).await?;
            done.extend(r.photos);
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        media_core::service::PurgeReport {
            photos: done,
            objects: Vec::new(),
        }
    };
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    if args.json {
        let photos: Vec<String> = report.photos.iter().map(ToString::to_string).collect();
        println!(
            "{}",
            json!({"dryRun": args.dry_run, "photos": photos, "objects": report.objects})
        );
    } else {
        for p in &report.photos {
            println!("{verb} photo {p}");
        }
        for o in &report.objects {
            println!("{verb} object {o}");
        }
        println!(
            "{verb} {} photo(s), {} object(s)",
            report.photos.len(),
            report.objects.len()
        );
    }
    Ok(())
}
