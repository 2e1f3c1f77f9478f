//! `media-cli storage cors [--apply] [--json]`: the bucket CORS rules that
//! `CORS_ALLOWED_ORIGINS` needs (SPEC §1.6), printed in `PutBucketCors`'s
//! JSON form, and written on the bucket with `--apply` (R2 supports it).
//! The embedded store follows the setting by itself.

use clap::{Args, Subcommand};
use serde_json::json;

use media_adapters::config::StorageConfig;
use media_adapters::s3::S3Storage;
use media_adapters::s3::cors::bucket_cors_json;

use crate::{CliResult, Failure, config};

#[derive(Subcommand)]
pub enum StorageCommand {
    /// Print (and with --apply write) the bucket CORS rules for CORS_ALLOWED_ORIGINS.
    Cors(CorsArgs),
}

#[derive(Args)]
pub struct CorsArgs {
    /// Write the rules on the bucket (PutBucketCors), replacing its rules.
    #[arg(long)]
    apply: bool,
    /// One JSON object: the store, the bucket, the rules, whether they were applied.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: StorageCommand) -> CliResult {
    let StorageCommand::Cors(args) = command;
    let config = config()?;
    let origins = &config.cors;
    let rules = bucket_cors_json(origins);
    let s3 = match &config.storage {
        StorageConfig::Embedded { bucket, .. } => {
            if args.json {
                let out = json!({"store": "embedded", "bucket": bucket, "applied": false,
                    "origins": origins.rule_origins(), "corsConfiguration": rules});
                println!("{out}");
            } else {
                println!(
                    "The embedded store follows CORS_ALLOWED_ORIGINS by itself ({}); nothing to apply. \
                     With R2 (R2_ENDPOINT set), this command prints the bucket's rules.",
                    describe(&origins.rule_origins())
                );
            }
            return Ok(());
        }
        StorageConfig::Remote(s3) => s3,
    };
    if origins.is_none() {
        return Err(Failure(
            "CORS_ALLOWED_ORIGINS lists no origin: no browser may use the bucket (set it to the web apps' origins, SPEC §1.6)".into(),
        ));
    }
    if args.apply {
        S3Storage::new(s3).put_bucket_cors(origins).await?;
    }
    if args.json {
        let out = json!({"store": "remote", "bucket": s3.bucket, "applied": args.apply,
            "origins": origins.rule_origins(), "corsConfiguration": rules});
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&rules)?);
        if args.apply {
            eprintln!("applied to bucket {} at {}", s3.bucket, s3.endpoint);
        } else {
            eprintln!(
                "not applied: media-cli storage cors --apply writes it, or aws s3api put-bucket-cors --bucket {} --cors-configuration file://cors.json",
                s3.bucket
            );
        }
    }
    Ok(())
}

fn describe(origins: &[String]) -> String {
    if origins.is_empty() {
        "no origin".into()
    } else {
        origins.join(", ")
    }
}
