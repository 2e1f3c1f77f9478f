use std::process::ExitCode;

use media_adapters::config::{Config, FaceEngine, StorageConfig};
use media_server::server::{Role, start};
use media_server::telemetry::TelemetryConfig;

/// The media service: the HTTP API and the job workers.
#[derive(Debug, clap::Parser)]
#[command(
    name = "media-server",
    after_help = "Configuration comes from the environment and a .env file (see README.md)."
)]
struct Args {
    /// What this process runs.
    #[arg(long, value_enum, default_value = "all")]
    role: Role,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Exit 0 when this container's `/readyz` answers 200.
    Healthcheck,
}

/// `media-server healthcheck`: exit 0 when this container's `/readyz`
/// answers 200 (the Dockerfile's `HEALTHCHECK`; no shell needed).
fn healthcheck() -> ExitCode {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("media-server: {e}");
            return ExitCode::from(2);
        }
    };
    match media_server::healthcheck::check(media_server::healthcheck::probe_addr(config.addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    if let Some(Command::Healthcheck) = args.command {
        return healthcheck();
    }
    match media_adapters::allocator::tuned_runtime() {
        Ok(runtime) => runtime.block_on(serve(args.role)),
        Err(e) => {
            eprintln!("media-server: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(role: Role) -> ExitCode {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("media-server: {e}");
            return ExitCode::from(2);
        }
    };
    let telemetry = media_server::telemetry::init(&TelemetryConfig::from_env());

    let running = match start(&config, role).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("media-server: {e}");
            telemetry.shutdown();
            return ExitCode::FAILURE;
        }
    };
    if let Some(addr) = running.addr {
        tracing::info!(%addr, ?role, "media-server listening");
    }
    if let StorageConfig::Embedded { root, .. } = &config.storage
        && let Some(store) = running.assembled.devstore_addr()
    {
        tracing::info!(%store, root = %root.display(), "embedded S3-compatible store (development)");
    }
    if config.jwt_dev_secret {
        eprintln!(
            "\nDevelopment mode: no JWT key is configured, so tokens are signed with the secret in {}/jwt-secret.\n\
             Mint one with, for example:\n  cargo run -q -p media-cli -- token --sub $(cat /proc/sys/kernel/random/uuid) --aud backoffice --role operator\n",
            config.data_dir.display()
        );
    }
    match config.face_engine {
        FaceEngine::Off => tracing::warn!(
            "FACE_ENGINE=off: selfies and photo faces wait until a face engine is configured"
        ),
        FaceEngine::Builtin => tracing::info!(
            model = media_adapters::builtin::MODEL,
            "faces found by the built-in engine (set RETINA_URL to use Retina)"
        ),
        FaceEngine::Retina => tracing::info!("faces found by Retina"),
    }
    running.until_signal().await;
    telemetry.shutdown();
    ExitCode::SUCCESS
}
