//! End-to-end flows over HTTP, as a REST client drives them.

mod common;

use serde_json::{Value, json};

use common::*;
use media_core::domain::{Audience, Role};
use media_core::ids::PhotographerId;
use media_core::keys;
use media_core::ports::Storage;

async fn photographer_upload_is_processed_and_listed_with_working_thumbnails(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let id = app.upload_photo(&w, identity_jpeg(0, 1600, 1000)).await;
    assert_eq!(app.wait_photo(id).await, "ready");

    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let r = app
        .get(
            &format!("/v1/photographers/me/projects/{}/photos", w.project),
            &token,
        )
        .await;
    assert_eq!(r.status(), 200);
    let photos: Vec<Value> = r.json().await.unwrap();
    assert_eq!(photos.len(), 1);
    let p = &photos[0];
    assert_eq!(p["id"], json!(id.to_string()));
    assert_eq!(
        (
            p["status"].as_str(),
            p["width"].as_u64(),
            p["height"].as_u64()
        ),
        (Some("ready"), Some(1600), Some(1000))
    );
    assert_eq!(p["photographerName"], "Pat Photographer");
    for (field, width) in [
        ("thumbnailUrl", 400),
        ("previewUrl", 800),
        ("watermarkedUrl", 1600),
    ] {
        let url = p[field].as_str().unwrap();
        let img = app.http.get(url).send().await.unwrap();
        assert_eq!(img.status(), 200, "{field}");
        let bytes = img.bytes().await.unwrap();
        let mut d = jpeg_decoder::Decoder::new(&bytes[..]);
        d.read_info().unwrap();
        assert_eq!(d.info().unwrap().width, width, "{field}");
    }
    // The original is the operator's and photographer's to download.
    assert_eq!(
        app.http
            .get(p["fullUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.shutdown().await;
}

async fn operator_lists_with_filters_and_pages_then_deletes_every_object(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    // A second photographer on the same project, and another operator's project.
    let other_ph = PhotographerId::new();
    w.add_photographer(app.media().ports().directory.as_ref(), other_ph, "Quinn")
        .await;
    let foreign = app.world().await;

    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(app.upload_photo(&w, identity_jpeg(0, 64, 48)).await);
    }
    let w2 = World {
        operator: w.operator,
        photographer: other_ph,
        project: w.project,
    };
    let quinns = app.upload_photo(&w2, identity_jpeg(0, 64, 48)).await;
    let theirs = app.upload_photo(&foreign, identity_jpeg(0, 64, 48)).await;
    for id in mine.iter().chain([&quinns, &theirs]) {
        app.wait_photo(*id).await;
    }

    let op = app.token(w.operator, Audience::Backoffice, Role::Operator);
    let ids = |v: &[Value]| {
        v.iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all: Vec<Value> = app
        .get("/v1/operators/me/photos", &op)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 4, "only the operator's project");
    assert!(all.iter().all(|p| p["projectName"] == "Gala"));
    assert!(!ids(&all).contains(&theirs.to_string()));

    let by_ph: Vec<Value> = app
        .get(
            &format!("/v1/operators/me/photos?photographerIds={other_ph}"),
            &op,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&by_ph), vec![quinns.to_string()]);
    let both = format!(
        "/v1/operators/me/photos?projectIds={},{}&photographerIds={}",
        w.project, foreign.project, w.photographer
    );
    assert_eq!(
        app.get(&both, &op)
            .await
            .json::<Vec<Value>>()
            .await
            .unwrap()
            .len(),
        3
    );
    let outside: Vec<Value> = app
        .get(
            &format!("/v1/operators/me/photos?projectIds={}", foreign.project),
            &op,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        outside.is_empty(),
        "ids outside the operator's projects match nothing"
    );

    // Pagination with Link headers visits all four once.
    let mut seen = Vec::new();
    let mut next = Some("/v1/operators/me/photos?limit=3".to_owned());
    while let Some(path) = next.take() {
        let r = app.get(&path, &op).await;
        assert_eq!(r.status(), 200);
        next = r.headers().get("link").map(|l| {
            let l = l.to_str().unwrap();
            assert!(l.ends_with("; rel=\"next\""));
            l[1..l.find('>').unwrap()].to_owned()
        });
        seen.extend(ids(&r.json::<Vec<Value>>().await.unwrap()));
    }
    let mut expected = ids(&all);
    assert_eq!(seen, expected);
    expected.sort();

    // Delete: 204, the row gone, every object gone once the purge ran.
    let victim = mine[0];
    let r = app
        .delete(
            &format!("/v1/operators/me/projects/{}/photos/{victim}", w.project),
            &op,
        )
        .await;
    assert_eq!(r.status(), 204);
    app.wait_idle().await;
    let folder = keys::photo_folder(w.project, victim.into());
    assert!(
        app.running()
            .assembled
            .storage
            .list_prefix(&folder)
            .await
            .unwrap()
            .is_empty()
    );
    let left: Vec<Value> = app
        .get(
            &format!("/v1/operators/me/projects/{}/photos", w.project),
            &op,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left.len(), 3);
    assert!(
        left.iter()
            .all(|p| p.get("projectName").is_none() && p["photographerName"].is_string())
    );
    app.shutdown().await;
}

async fn selfie_with_consent_is_approved_and_finds_the_members_photos(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let stranger = app.member(w.project).await;
    let ut = app.token(user, Audience::Media, Role::User);
    let st = app.token(stranger, Audience::Media, Role::User);

    // A photo with identity 7 before the selfie, and one after.
    let before = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    let nobody = app.upload_photo(&w, identity_jpeg(3, 640, 480)).await;
    app.wait_photo(before).await;
    app.wait_photo(nobody).await;

    let upload = |token: String, identity: u8| {
        let app = &app;
        async move {
            let r = app.post("/v1/selfie/upload-url", &token, json!({})).await;
            assert_eq!(r.status(), 201);
            let t: Value = r.json().await.unwrap();
            assert_eq!(t["expiresInSeconds"], 600);
            let put = app
                .http
                .put(t["uploadUrl"].as_str().unwrap())
                .body(identity_jpeg(identity, 400, 400))
                .send()
                .await
                .unwrap();
            assert!(put.status().is_success());
            let id = t["selfieId"].as_str().unwrap().to_owned();
            let r = app
                .post(&format!("/v1/selfie/{id}/complete"), &token, json!({}))
                .await;
            assert_eq!(r.status(), 202);
            id
        }
    };
    let selfie = upload(ut.clone(), 7).await;
    upload(st.clone(), 9).await;
    app.wait_idle().await;
    let s: Value = app.get("/v1/selfie", &ut).await.json().await.unwrap();
    assert_eq!(
        (s["selfieId"].as_str(), s["status"].as_str()),
        (Some(selfie.as_str()), Some("approved"))
    );

    let after = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    app.wait_photo(after).await;
    app.wait_idle().await;

    let mine: Vec<Value> = app
        .get(&format!("/v1/me/projects/{}/photos", w.project), &ut)
        .await
        .json()
        .await
        .unwrap();
    let mut got: Vec<_> = mine
        .iter()
        .map(|m| m["photoId"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut want = vec![before.to_string(), after.to_string()];
    want.sort();
    assert_eq!(
        got, want,
        "the photos before and after the selfie, not the other one"
    );
    for m in &mine {
        let full = m["fullUrl"].as_str().unwrap();
        assert!(
            full.contains("watermarked.jpg") && !full.contains("original"),
            "{full}"
        );
        assert!(m["distance"].as_f64().unwrap() < 0.01);
        assert!(
            m["thumbhash"].as_str().is_some_and(|h| h.len() >= 20),
            "my photos carry the placeholder: {m}"
        );
    }
    let theirs: Vec<Value> = app
        .get(&format!("/v1/me/projects/{}/photos", w.project), &st)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty(), "a stranger is never matched");

    // Retina was asked once per photo and once per selfie.
    assert_eq!(app.retina.call_count(), 3 + 2);

    // Erasure: DELETE /v1/selfie removes objects, embedding and matches.
    assert_eq!(app.delete("/v1/selfie", &ut).await.status(), 204);
    app.wait_idle().await;
    assert_eq!(app.get("/v1/selfie", &ut).await.status(), 404);
    let empty: Vec<Value> = app
        .get(&format!("/v1/me/projects/{}/photos", w.project), &ut)
        .await
        .json()
        .await
        .unwrap();
    assert!(empty.is_empty());
    let left = app
        .running()
        .assembled
        .storage
        .list_prefix(&keys::selfies_of(user))
        .await
        .unwrap();
    assert!(left.is_empty(), "selfie objects purged: {left:?}");
    app.shutdown().await;
}

/// §4 `thumbhash`: null until the thumbnails exist, then the base64
/// ThumbHash of the 400 px thumbnail — its colours are the photo's.
async fn a_photo_carries_the_thumbhash_of_its_thumbnail_once_it_has_one(pg: bool) {
    use base64::Engine as _;
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let bytes = media_adapters::testing::images::jpeg(
        640,
        480,
        media_adapters::testing::images::Fill::Solid([200, 40, 90]),
    );
    app.upload_photo(&w, bytes).await;
    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let path = format!("/v1/photographers/me/projects/{}/photos", w.project);
    let listed: Vec<Value> = app.get(&path, &token).await.json().await.unwrap();
    assert_eq!(listed[0]["status"], "processing");
    assert!(listed[0]["thumbhash"].is_null(), "{}", listed[0]);

    app.drain().await;
    let listed: Vec<Value> = app.get(&path, &token).await.json().await.unwrap();
    assert_eq!(listed[0]["status"], "ready");
    let hash = base64::engine::general_purpose::STANDARD
        .decode(listed[0]["thumbhash"].as_str().unwrap())
        .unwrap();
    assert!((5..=40).contains(&hash.len()), "{} bytes", hash.len());
    let (r, g, b, _) = thumbhash::thumb_hash_to_average_rgba(&hash).unwrap();
    for (got, want) in [(r, 200.0), (g, 40.0), (b, 90.0)] {
        assert!((got * 255.0 - want).abs() < 8.0, "{got} vs {want}");
    }
    let aspect = thumbhash::thumb_hash_to_approximate_aspect_ratio(&hash).unwrap();
    assert!((aspect - 4.0 / 3.0).abs() < 0.15, "{aspect}");
    app.shutdown().await;
}

common::backend_tests! {
    photographer_upload_is_processed_and_listed_with_working_thumbnails,
    operator_lists_with_filters_and_pages_then_deletes_every_object,
    selfie_with_consent_is_approved_and_finds_the_members_photos,
    a_photo_carries_the_thumbhash_of_its_thumbnail_once_it_has_one,
}
