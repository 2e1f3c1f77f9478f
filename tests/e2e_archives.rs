//! "Take my photos home" end to end (SPEC §3.13b): one archive builds at a
//! time, only its owner sees it, the ZIP holds the watermarked copies of
//! the member's matched photos (never an original) under readable names,
//! and it goes when it expires or the member's biometric data is erased.

mod common;

use std::collections::HashMap;
use std::io::Read;

use serde_json::{Value, json};
use uuid::Uuid;

use common::*;
use media_core::ids::{PhotoId, ProjectId};
use media_core::keys::{self, PhotoObject};
use media_core::ports::{Fetched, Storage};

/// A member with an approved selfie of identity 7, matched to `n` photos
/// (and a photo of someone else); every job run.
async fn matched_member(app: &TestApp, w: &World, n: usize) -> (Member, Vec<Uuid>) {
    let member = app.member_with_selfie(w.project, 7).await;
    let mut photos = Vec::new();
    for _ in 0..n {
        photos.push(app.upload_photo(w, identity_jpeg(7, 640, 480)).await);
    }
    app.upload_photo(w, identity_jpeg(8, 640, 480)).await;
    app.drain().await;
    (member, photos)
}

async fn ask(app: &TestApp, m: &Member, project: ProjectId) -> Value {
    let r = app
        .post(
            &format!("/v1/me/projects/{project}/archive"),
            &m.token,
            json!(null),
        )
        .await;
    assert_eq!(r.status(), 202);
    r.json().await.unwrap()
}

async fn status(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    let r = app.get(&format!("/v1/me/archives/{id}"), token).await;
    let code = r.status().as_u16();
    (code, r.json().await.unwrap_or(Value::Null))
}

async fn object(app: &TestApp, key: &keys::StorageKey) -> Option<Vec<u8>> {
    match app
        .running()
        .assembled
        .storage
        .get(key, None, 1 << 30)
        .await
    {
        Ok(Fetched::Bytes(b)) => Some(b),
        _ => None,
    }
}

async fn a_members_archive_holds_their_watermarked_photos_and_only_they_see_it(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let (ann, photos) = matched_member(&app, &w, 3).await;
    let (bob, _) = matched_member(&app, &w, 0).await;

    let first = ask(&app, &ann, w.project).await;
    assert_eq!(first["status"], "building");
    let id = first["archiveId"].as_str().unwrap().to_owned();
    assert_eq!(
        ask(&app, &ann, w.project).await["archiveId"],
        first["archiveId"],
        "the same archive while it builds"
    );
    let (code, building) = status(&app, &ann.token, &id).await;
    assert_eq!(code, 200);
    assert_eq!(building["status"], "building");
    assert_eq!(building["url"], Value::Null);
    assert_eq!(status(&app, &bob.token, &id).await.0, 404, "not Bob's");
    assert_eq!(
        status(&app, &ann.token, &Uuid::new_v4().to_string())
            .await
            .0,
        404
    );

    app.drain().await;
    let (code, ready) = status(&app, &ann.token, &id).await;
    assert_eq!(code, 200);
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["projectId"], json!(w.project));
    assert_eq!(ready["photoCount"], 3);
    let expires = time::OffsetDateTime::parse(
        ready["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ttl = expires - time::OffsetDateTime::now_utc();
    assert!(
        ttl > time::Duration::hours(23) && ttl <= time::Duration::hours(24),
        "{ttl}"
    );
    let url = ready["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    let zip = app.http.get(url).send().await.unwrap();
    assert!(zip.status().is_success());
    let zip = zip.bytes().await.unwrap().to_vec();
    assert_eq!(ready["bytes"], zip.len());

    let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut entries = HashMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        entries.insert(f.name().unwrap().into_owned(), body);
    }
    assert_eq!(entries.len(), 3, "{:?}", entries.keys());
    for photo in &photos {
        let (name, body) = entries
            .iter()
            .find(|(n, _)| n.ends_with(&format!("-{photo}.jpg")))
            .unwrap_or_else(|| panic!("{photo} not in {:?}", entries.keys()));
        assert!(name.starts_with("Gala/"), "{name}");
        let id = PhotoId::from_uuid(*photo);
        let copy = object(&app, &keys::photo(w.project, id, PhotoObject::Watermarked)).await;
        let original = object(&app, &keys::photo(w.project, id, PhotoObject::Original)).await;
        assert_eq!(
            Some(body),
            copy.as_ref(),
            "the watermarked copy, byte for byte"
        );
        assert_ne!(Some(body), original.as_ref(), "never the original");
    }

    app.shutdown().await;
}

/// The build jobs of the archive `id` ever enqueued (done or not).
async fn builds_of(app: &TestApp, id: &str) -> usize {
    use media_core::domain::JobPayload;
    use media_core::ports::JobAdmin;
    app.running()
        .assembled
        .database
        .list(&[], 1000)
        .await
        .unwrap()
        .iter()
        .filter(|j| {
            matches!(&j.payload, JobPayload::BuildArchive { archive_id } if archive_id.to_string() == id)
        })
        .count()
}

/// Issue 26: once ready, every `POST …/archive` built a fresh ZIP of all the
/// member's photos. A ready, unexpired archive whose matches have not
/// changed is answered again; a new match makes a new one, and the old
/// one (row and ZIP) goes with it.
async fn a_ready_archive_is_answered_again_until_the_members_matches_change(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let (ann, _) = matched_member(&app, &w, 2).await;
    let first = ask(&app, &ann, w.project).await;
    let id = first["archiveId"].as_str().unwrap().to_owned();
    app.drain().await;
    assert_eq!(status(&app, &ann.token, &id).await.1["status"], "ready");

    for _ in 0..3 {
        let again = ask(&app, &ann, w.project).await;
        assert_eq!(again["archiveId"], first["archiveId"], "answered again");
        assert_eq!(again["status"], "ready", "{again}");
        app.drain().await;
    }
    assert_eq!(builds_of(&app, &id).await, 1, "built once");

    // A new match: a new archive, and the old one goes, ZIP included.
    let old_key = keys::archive(ann.user, id.parse::<Uuid>().unwrap().into());
    assert!(object(&app, &old_key).await.is_some());
    app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    app.drain().await;
    let next = ask(&app, &ann, w.project).await;
    assert_ne!(next["archiveId"], first["archiveId"], "matches changed");
    assert_eq!(next["status"], "building");
    let next_id = next["archiveId"].as_str().unwrap().to_owned();
    assert_eq!(status(&app, &ann.token, &id).await.0, 404, "replaced");
    app.drain().await;
    let (_, ready) = status(&app, &ann.token, &next_id).await;
    assert_eq!(
        (ready["status"].clone(), ready["photoCount"].clone()),
        (json!("ready"), json!(3))
    );
    assert!(object(&app, &old_key).await.is_none(), "the old ZIP purged");
    assert_eq!(builds_of(&app, &next_id).await, 1);
    app.shutdown().await;
}

/// Issue 26: approving a new selfie deleted the member's archive rows (they
/// hold photos matched to the old face) but left their ZIPs until the
/// audit. Their ZIPs go in the approval's transaction.
async fn approving_a_new_selfie_purges_the_members_archive_zips(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let (ann, _) = matched_member(&app, &w, 1).await;
    let id = ask(&app, &ann, w.project).await["archiveId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.drain().await;
    let key = keys::archive(ann.user, id.parse::<Uuid>().unwrap().into());
    assert!(object(&app, &key).await.is_some());

    app.upload_selfie(&ann.token, identity_jpeg(7, 400, 400))
        .await;
    app.drain().await;
    let selfie = app.get("/v1/selfie", &ann.token).await;
    let selfie: Value = selfie.json().await.unwrap();
    assert_eq!(selfie["status"], "approved", "{selfie}");
    assert_eq!(status(&app, &ann.token, &id).await.0, 404, "row deleted");
    assert!(object(&app, &key).await.is_none(), "and its ZIP purged");
    app.shutdown().await;
}

async fn archives_go_when_they_expire_and_when_the_member_is_erased(pg: bool) {
    let Some(app) = TestApp::start_as(
        pg,
        media_server::server::Role::Api,
        &[("ARCHIVE_TTL_HOURS", "0")],
    )
    .await
    else {
        return;
    };
    let w = app.world().await;
    let (ann, _) = matched_member(&app, &w, 1).await;
    let id = ask(&app, &ann, w.project).await["archiveId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.drain().await;
    assert_eq!(status(&app, &ann.token, &id).await.1["status"], "ready");
    let key = keys::archive(ann.user, id.parse::<Uuid>().unwrap().into());
    assert!(object(&app, &key).await.is_some());
    app.media().maintenance().await.unwrap();
    app.drain().await;
    assert_eq!(status(&app, &ann.token, &id).await.0, 404, "expired");
    assert!(object(&app, &key).await.is_none(), "and its ZIP purged");

    // Erasure: revocation takes the user's archives at once.
    let (bob, _) = matched_member(&app, &w, 1).await;
    let id = ask(&app, &bob, w.project).await["archiveId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.drain().await;
    let key = keys::archive(bob.user, id.parse::<Uuid>().unwrap().into());
    assert!(object(&app, &key).await.is_some());
    let r = app
        .delete("/v1/me/consents/biometric_processing", &bob.token)
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(status(&app, &bob.token, &id).await.0, 404);
    app.drain().await;
    assert!(
        object(&app, &key).await.is_none(),
        "purged with the erasure"
    );
    app.shutdown().await;
}

common::backend_tests! {
    a_members_archive_holds_their_watermarked_photos_and_only_they_see_it,
    archives_go_when_they_expire_and_when_the_member_is_erased,
    a_ready_archive_is_answered_again_until_the_members_matches_change,
    approving_a_new_selfie_purges_the_members_archive_zips,
}
