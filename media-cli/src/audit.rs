//! `media-cli audit [--fix] [--json]`: parses, calls the core's audit, prints.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use media_core::service::{AuditReport, Finding};

use crate::{CliResult, Failure, connect};

#[derive(Args)]
pub struct AuditArgs {
    /// Repair what is safe: purge orphans and biometric leftovers,
    /// re-enqueue missing derivatives and stuck photos.
    #[arg(long)]
    fix: bool,
    #[arg(long)]
    json: bool,
}

fn lines(report: &AuditReport) -> [(&'static str, &Finding); 5] {
    [
        ("orphans", &report.orphans),
        ("missingDerivatives", &report.missing_derivatives),
        (
            "biometricsWithoutConsent",
            &report.biometrics_without_consent,
        ),
        ("stuckJobs", &report.stuck_jobs),
        ("stuckPhotos", &report.stuck_photos),
    ]
}

pub async fn run(args: AuditArgs) -> CliResult {
    // Kept whole: it owns the embedded store this command may talk to.
    let app = connect().await?;
    let media = &app.media;
    let bar = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} rows and objects read")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let shown = bar.clone();
    let report = media
        .audit(args.fix, &move |n| shown.set_position(n))
        .await?;
    bar.finish_and_clear();
    if args.json {
        let mut out = serde_json::Map::new();
        for (name, f) in lines(&report) {
            out.insert(
                name.into(),
                json!({"count": f.count, "examples": f.examples}),
            );
        }
        out.insert("fixed".into(), json!(report.fixed));
        println!("{}", serde_json::Value::Object(out));
    } else {
        for (name, f) in lines(&report) {
            println!("{name}: {}", f.count);
            for e in &f.examples {
                println!("  {e}");
            }
        }
        for f in &report.fixed {
            println!("fixed: {f}");
        }
    }
    if report.is_clean() || args.fix {
        Ok(())
    } else {
        Err(Failure(
            "the audit found problems (run with --fix to repair what is safe)".into(),
        ))
    }
}
