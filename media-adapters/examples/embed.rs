//! Embedding the library without the server: build `media-core` on the
//! adapters by hand, then run a use case end to end — issue an upload URL,
//! upload a local photo to it, process it, and print the presigned thumbnail URL.
//!
//!     cargo run -p media-adapters --example embed [-- path/to/photo.jpg]
//!
//! The crate's documentation runs this file as a doctest.
//!
//! Everything runs in this process: SQLite in a temporary folder and the
//! embedded S3-compatible store on a free port.

use std::sync::Arc;
use std::time::Duration;

use media_adapters::clock::SystemClock;
use media_adapters::devstore::DevStore;
use media_adapters::retina::NoRetina;
use media_adapters::sql::SqlStore;
use media_adapters::testing::images;
use media_core::Settings;
use media_core::domain::{Audience, Operator, Photographer, Principal, Project, Role};
use media_core::ids::{OperatorId, PhotographerId, ProjectId};
use media_core::listing::PageRequest;
use media_core::service::{Media, UploadRequest, Worker, WorkerEvent};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    // The adapters: a database, an object store, a clock and (here) no face service.
    let db = Arc::new(
        SqlStore::connect(&format!("sqlite://{}/media.db", dir.path().display()), 5).await?,
    );
    let store = DevStore::start(
        &dir.path().join("objects"),
        "127.0.0.1:0".parse()?,
        "media",
        None,
    )
    .await?;
    let storage = Arc::new(store.storage());
    // One SQL store behind every database port: a state change and its jobs
    // commit in one transaction.
    let ports = db.ports(storage, Arc::new(SystemClock), Arc::new(NoRetina));
    let media = Media::new(ports, Settings::default());

    // The directory rows another service would own.
    let (operator, photographer, project) =
        (OperatorId::new(), PhotographerId::new(), ProjectId::new());
    media
        .add_operator(&Operator {
            id: operator,
            name: "Olga".into(),
        })
        .await?;
    media
        .add_photographer(&Photographer {
            id: photographer,
            name: "Pat".into(),
        })
        .await?;
    media
        .add_project(&Project {
            id: project,
            name: "Gala".into(),
            operator_id: operator,
            watermark_text: None,
        })
        .await?;
    media.assign(project, photographer).await?;
    let caller = Principal::new(
        photographer.as_uuid(),
        Audience::Backoffice,
        [Role::Photographer],
    );

    // 1. An upload URL, as POST /v1/photographers/me/photos/upload-url gives it.
    let ticket = media
        .photo_upload_url(&caller, project, &UploadRequest::default())
        .await?;
    println!("upload URL: {}", ticket.upload_url);

    // 2. The client PUTs the photo straight to the store.
    let photo = match std::env::args().nth(1) {
        Some(path) => std::fs::read(path)?,
        None => sample_jpeg(),
    };
    let put = reqwest::Client::new()
        .put(&ticket.upload_url)
        .body(photo)
        .send()
        .await?;
    assert!(put.status().is_success(), "PUT failed: {}", put.status());

    // 3. Completion, then the jobs (a worker of our own).
    let status = media.complete_photo(&caller, ticket.id.into()).await?;
    println!("after completion: {}", status.as_str());
    let worker = Worker::new(media.clone(), "example", Duration::from_secs(60));
    while let WorkerEvent::Ran { kind, outcome, .. } = worker.run_once().await? {
        println!("job {} → {outcome}", kind.as_str());
    }

    // 4. The listing, with presigned URLs.
    let page = media
        .photographer_photos(&caller, project, PageRequest::default())
        .await?;
    let photo = page.items.first().ok_or("no photo listed")?;
    println!(
        "status: {} ({}x{})",
        photo.status.as_str(),
        photo.width.unwrap_or(0),
        photo.height.unwrap_or(0)
    );
    let thumb = photo.thumbnail_url.clone().ok_or("no thumbnail")?;
    let got = reqwest::get(&thumb).await?;
    assert!(got.status().is_success());
    println!("thumbnail ({} bytes): {thumb}", got.bytes().await?.len());
    Ok(())
}

/// A 1200×800 generated picture, when no file is given.
fn sample_jpeg() -> Vec<u8> {
    images::jpeg(1200, 800, images::Fill::Gradient { seed: 7 })
}
