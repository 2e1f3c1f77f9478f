//! Browsers are clients (SPEC §1.6), in a real one: headless Chromium loads
//! a page from an origin of its own (a second loopback port) and calls the
//! API and the embedded store as the dashboard and attendee apps do. A
//! third origin, not listed in `CORS_ALLOWED_ORIGINS`, is refused by both.
//! Screenshots go to `target/browser-screenshots/`.

mod common;

use serde_json::{Value, json};
use uuid::Uuid;

use common::browser::{Browser, serve_page};
use common::*;
use media_core::domain::{Audience, Role};
use media_core::keys::{self, PhotoObject};
use media_core::ports::Storage;

const PAGE: &str = include_str!("browser_page.html");

/// The server (listing `page` as its one browser origin) and a browser.
async fn setup(postgres: bool, page: &str) -> Option<(TestApp, Browser)> {
    let browser = Browser::start().await?;
    let app = TestApp::start_with(postgres, &[("CORS_ALLOWED_ORIGINS", page)]).await?;
    Some((app, browser))
}

fn backend(postgres: bool) -> &'static str {
    if postgres { "postgres" } else { "sqlite" }
}

/// An upload URL for a JPEG of any size.
async fn ticket(app: &TestApp, ph: &str, w: &World) -> Value {
    let r = app
        .post(
            "/v1/photographers/me/photos/upload-url",
            ph,
            json!({"projectId": w.project, "contentType": "image/jpeg"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn a_page_puts_a_canvas_jpeg_to_the_store_and_a_stranger_cannot(postgres: bool) {
    let page = serve_page(PAGE).await;
    let stranger = serve_page(PAGE).await;
    let Some((app, browser)) = setup(postgres, &page).await else {
        return;
    };
    let w = app.world().await;
    let ph = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    browser.goto(&page).await;
    let t = ticket(&app, &ph, &w).await;
    let put = browser
        .run("return flows.putOnly(args)", json!({"url": t["uploadUrl"]}))
        .await;
    assert_eq!(put["status"], 200, "{put}");
    // ETag is exposed to the page (a multipart uploader needs it).
    assert!(put["etag"].as_str().is_some_and(|e| e.len() > 2), "{put}");
    let id: Uuid = t["photoId"].as_str().unwrap().parse().unwrap();
    assert_eq!(app.wait_photo(id).await, "ready");

    browser.goto(&stranger).await;
    let t = ticket(&app, &ph, &w).await;
    let refused = browser
        .run(
            "return flows.refusedCalls(args)",
            json!({"uploadUrl": t["uploadUrl"]}),
        )
        .await;
    assert!(
        refused["store"]
            .as_str()
            .is_some_and(|e| e.contains("TypeError")),
        "{refused}"
    );
    // Nothing was stored: the browser stopped at the preflight.
    let id: Uuid = t["photoId"].as_str().unwrap().parse().unwrap();
    let key = keys::photo(w.project, id.into(), PhotoObject::Original);
    assert_eq!(key.to_string(), t["key"].as_str().unwrap());
    assert!(
        app.running()
            .assembled
            .storage
            .head(&key)
            .await
            .unwrap()
            .is_none()
    );
    browser.close().await;
    app.shutdown().await;
}

async fn a_photographer_uploads_from_a_page_and_sees_the_thumbnail(postgres: bool) {
    let page = serve_page(PAGE).await;
    let Some((app, browser)) = setup(postgres, &page).await else {
        return;
    };
    let w = app.world().await;
    let ph = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    browser.goto(&page).await;
    let seen = browser
        .run(
            "return flows.photographer(args)",
            json!({"api": app.base, "token": ph, "project": w.project}),
        )
        .await;
    let shot = browser
        .screenshot(&format!("photographer-{}", backend(postgres)))
        .await;
    assert_eq!(seen["naturalWidth"], 400, "{seen} (screenshot {shot:?})");
    assert_eq!(seen["naturalHeight"], 267, "{seen}");
    assert_eq!(seen["put"]["status"], 200, "{seen}");
    assert_eq!(seen["completeStatus"], 202, "{seen}");
    // Exposed to the page; and no cache keeps a presigned URL.
    assert!(
        seen["requestId"].as_str().is_some_and(|s| !s.is_empty()),
        "{seen}"
    );
    assert_eq!(seen["uploadUrlCacheControl"], "no-store", "{seen}");
    assert_eq!(seen["listingCacheControl"], "no-store", "{seen}");
    browser.close().await;
    app.shutdown().await;
}

async fn an_attendee_consents_and_uploads_a_selfie_from_a_page(postgres: bool) {
    let page = serve_page(PAGE).await;
    let Some((app, browser)) = setup(postgres, &page).await else {
        return;
    };
    let w = app.world().await;
    let user = Uuid::new_v4();
    app.media()
        .ports()
        .directory
        .join(w.project, user.into(), &[], time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let ut = app.token(user, Audience::Media, Role::User);
    browser.goto(&page).await;
    let seen = browser
        .run(
            "return flows.attendee(args)",
            json!({"api": app.base, "token": ut}),
        )
        .await;
    assert_eq!(seen["consentStatus"], 200, "{seen}");
    assert_eq!(seen["put"]["status"], 200, "{seen}");
    assert_eq!(seen["completeStatus"], 202, "{seen}");
    // processing or later: the upload arrived (what the engine says is its own test's).
    let status = seen["status"].as_str().unwrap_or_default();
    assert!(
        ["processing", "approved", "rejected", "failed"].contains(&status),
        "{seen}"
    );
    browser.close().await;
    app.shutdown().await;
}

async fn a_problem_is_readable_and_a_stranger_is_refused(postgres: bool) {
    let page = serve_page(PAGE).await;
    let stranger = serve_page(PAGE).await;
    let Some((app, browser)) = setup(postgres, &page).await else {
        return;
    };
    let w = app.world().await;
    let ph = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let missing = format!("/v1/photographers/me/projects/{}/photos", Uuid::new_v4());
    browser.goto(&page).await;
    let seen = browser
        .run(
            "return flows.problem(args)",
            json!({"api": app.base, "token": ph, "path": missing}),
        )
        .await;
    assert_eq!(seen["status"], 404, "{seen}");
    assert_eq!(seen["code"], "not_found", "{seen}");
    let seen = browser
        .run(
            "return flows.problem(args)",
            json!({"api": app.base, "token": "not-a-token", "path": missing}),
        )
        .await;
    assert_eq!(seen["status"], 401, "{seen}");
    assert_eq!(seen["code"], "unauthorized", "{seen}");

    browser.goto(&stranger).await;
    let refused = browser
        .run(
            "return flows.refusedCalls(args)",
            json!({"api": app.base, "token": ph, "path": format!("/v1/photographers/me/projects/{}/photos", w.project)}),
        )
        .await;
    assert!(
        refused["api"]
            .as_str()
            .is_some_and(|e| e.contains("TypeError")),
        "{refused}"
    );
    browser.close().await;
    app.shutdown().await;
}

async fn docs_renders_every_operation_of_the_document_from_this_server_only(postgres: bool) {
    let Some((app, browser)) = setup(postgres, "https://app.example.com").await else {
        return;
    };
    let document: Value = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    let operations: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| methods.iter().filter(|m| item.get(**m).is_some()).count())
        .sum();
    assert!(operations > 20, "{operations} operations");

    browser.goto(&app.url("/docs")).await;
    // Swagger UI renders one .opblock per operation once the document is in.
    let seen = browser
        .run(
            "let last = -1;
             for (let i = 0; i < 300; i++) {
               const n = document.querySelectorAll('.opblock').length;
               if (n > 0 && n === last) break;
               last = n;
               await new Promise((r) => setTimeout(r, 100));
             }
             return {
               operations: document.querySelectorAll('.opblock').length,
               title: (document.querySelector('.title') || {}).textContent || '',
               fetched: performance.getEntriesByType('resource').map((e) => e.name),
             };",
            json!({}),
        )
        .await;
    let shot = browser
        .screenshot(&format!("docs-{}", backend(postgres)))
        .await;
    assert_eq!(
        seen["operations"], operations,
        "{seen} (screenshot {shot:?})"
    );
    assert!(
        seen["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{seen}"
    );
    // Nothing from elsewhere: every file the page fetched is this server's.
    let fetched = seen["fetched"].as_array().unwrap();
    assert!(fetched.len() >= 3, "{seen}");
    for url in fetched {
        assert!(
            url.as_str().unwrap().starts_with(&app.base),
            "fetched from elsewhere: {url}"
        );
    }
    browser.close().await;
    app.shutdown().await;
}

/// The headers themselves, without a browser (runs wherever the tests run).
async fn preflights_and_problems_carry_the_cors_headers_for_listed_origins_only(postgres: bool) {
    let page = "http://127.0.0.1:8088";
    let Some(app) = TestApp::start_with(postgres, &[("CORS_ALLOWED_ORIGINS", page)]).await else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                app.url("/v1/photographers/me/photos/upload-url"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let r = preflight(page).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], page);
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = h["access-control-allow-headers"].to_str().unwrap();
    assert!(headers.contains("authorization") && headers.contains("content-type"));
    assert_eq!(h["access-control-max-age"], "3600");

    let r = app
        .http
        .get(app.url("/v1/selfie"))
        .header("origin", page)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["access-control-allow-origin"], page);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["x-request-id", "link", "retry-after", "www-authenticate"] {
        assert!(exposed.contains(name), "{exposed}");
    }

    let r = preflight("http://127.0.0.1:8089").await.unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    let r = app
        .http
        .get(app.url("/v1/selfie"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    app.shutdown().await;
}

backend_tests!(
    a_page_puts_a_canvas_jpeg_to_the_store_and_a_stranger_cannot,
    a_photographer_uploads_from_a_page_and_sees_the_thumbnail,
    an_attendee_consents_and_uploads_a_selfie_from_a_page,
    a_problem_is_readable_and_a_stranger_is_refused,
    docs_renders_every_operation_of_the_document_from_this_server_only,
    preflights_and_problems_carry_the_cors_headers_for_listed_origins_only,
);
