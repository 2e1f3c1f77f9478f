//! `media-cli reprocess` and `media-cli purge`: through the core's use cases.

use std::collections::HashSet;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use uuid::Uuid;

use media_core::domain::{FailureReason, JobPayload};
use media_core::ids::PhotoId;
use media_core::service::{Media, ReprocessStep};

use crate::{CliResult, confirm, connect};

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
    /// Which part of processing to run again.
    #[arg(long, value_enum, default_value_t = ReprocessStep::All)]
    step: ReprocessStep,
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
    let app = connect().await?;
    let media = &app.media;
    let photos = photos_of(media, &args.photo, args.project, args.failed).await?;
    let jobs = media.reprocess(&photos, args.step).await?;
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
    let waiting_for_faces = wait_for(media, &jobs).await?;
    let outcome = media.reprocess_outcome(&photos).await?;
    let reason = |r: &Option<FailureReason>| r.map_or("unknown", FailureReason::as_str);
    if args.json {
        let failed: Vec<_> = outcome
            .failed
            .iter()
            .map(|(id, r)| json!({"photoId": id.to_string(), "reason": reason(r)}))
            .collect();
        println!(
            "{}",
            json!({"done": outcome.done, "failed": failed, "waitingForFaces": waiting_for_faces})
        );
    } else {
        println!("done: {}, failed: {}", outcome.done, outcome.failed.len());
        for (id, r) in &outcome.failed {
            println!("  {id}: {}", reason(r));
        }
        if waiting_for_faces > 0 {
            println!(
                "{waiting_for_faces} photo(s) wait for a face service for their faces (FACE_ENGINE=off)"
            );
        }
    }
    Ok(())
}

/// Follows the jobs until none of them has work to do now; returns how many
/// only wait for a face service.
async fn wait_for(media: &Media, jobs: &[JobPayload]) -> CliResult<usize> {
    let total = jobs.iter().collect::<HashSet<_>>().len();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} jobs {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("(media-server's workers run them)");
    loop {
        let progress = media.reprocess_progress(jobs).await?;
        let open = progress.pending + progress.waiting_for_faces;
        bar.set_position((total - open.min(total)) as u64);
        if progress.pending == 0 {
            bar.finish_and_clear();
            return Ok(progress.waiting_for_faces);
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
        // Refuses (changing nothing) when one of the photos does not exist.
        media.purge_photos(&photos, true).await?;
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
