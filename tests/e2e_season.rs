//! What a season in production meets (issue: nothing lost, nothing
//! resurrected): erasures racing retakes, replayed upload URLs.

mod common;

use serde_json::Value;

use common::*;
use media_core::domain::{Audience, Role};
use media_core::ids::UserId;
use media_core::keys;
use media_core::ports::Storage;

async fn selfie_status(app: &TestApp, token: &str) -> Value {
    let r = app.get("/v1/selfie", token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn selfie_objects(app: &TestApp, user: UserId) -> usize {
    app.running()
        .assembled
        .storage
        .list_prefix(&keys::selfies_of(user))
        .await
        .unwrap()
        .len()
}

/// SPEC §3.11: erasure removes exactly what existed when it was asked for.
/// The purge waits in the queue (no worker runs) while the user retakes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retake_right_after_an_erasure_or_a_revocation_survives_it() {
    for pg in backends() {
        let Some(app) = TestApp::start_api_only(pg).await else {
            continue;
        };
        let w = app.world().await;
        for revoke in [false, true] {
            let user = app.member(w.project).await;
            let token = app.token(user, Audience::Media, Role::User);
            app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
            app.drain().await;
            assert_eq!(selfie_status(&app, &token).await["status"], "approved");

            if revoke {
                let r = app
                    .delete("/v1/me/consents/biometric_processing", &token)
                    .await;
                assert_eq!(r.status(), 204);
                let r = app
                    .http
                    .put(app.url("/v1/me/consents/biometric_processing"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            } else {
                assert_eq!(app.delete("/v1/selfie", &token).await.status(), 204);
            }
            let retake = app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
            app.drain().await;

            let s = selfie_status(&app, &token).await;
            assert_eq!(s["selfieId"], retake.as_str(), "revoke={revoke}");
            assert_eq!(s["status"], "approved", "revoke={revoke}: {s}");
            assert_eq!(
                selfie_objects(&app, user).await,
                1,
                "revoke={revoke}: the retake's object, and only it"
            );
        }
        app.shutdown().await;
    }
}
