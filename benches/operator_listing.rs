//! Listings at season scale on Postgres: an operator with 50 projects ×
//! 2,000 photos (the first page of `GET /v1/operators/me/photos`), and the
//! stale-plan scenario — a project's listing warmed while it is small, then
//! 151,000 photos inserted into it — through the server (which plans each
//! execution, `plan_cache_mode = force_custom_plan`) and, for comparison,
//! through a pool left at Postgres's default (`auto`).
//!
//!     cargo bench --bench operator_listing -- --database-url postgres://…/empty_db [--projects 50] [--per-project 2000] [--bulk 151000]

mod common;

use std::time::{Duration, Instant};

use common::{arg, median};
use media_adapters::jwt::{JwtConfig, mint_hs256};
use media_adapters::testing::{World, seed_ready_photos};
use media_core::domain::{Audience, Project, Role};
use media_core::ids::ProjectId;
use media_server::server::{Role as ServerRole, start};

const SECRET: &str = "operator-listing-benchmark-secret-01234";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let projects: usize = arg("--projects").map_or(Ok(50), |v| v.parse())?;
    let per_project: i64 = arg("--per-project").map_or(Ok(2000), |v| v.parse())?;
    let bulk: i64 = arg("--bulk").map_or(Ok(151_000), |v| v.parse())?;
    let database_url = arg("--database-url").ok_or("--database-url postgres://… is required")?;
    let dir = tempfile::tempdir()?;
    let config = common::config(dir.path(), &database_url, SECRET, &[])?;
    let running = start(&config, ServerRole::Api).await?;
    let base = format!("http://{}", running.addr.ok_or("no address")?);
    let db = running.assembled.database.clone();
    let directory = running.media.ports().directory.clone();
    let world = World::create(directory.as_ref()).await;
    let op = world.operator.to_string();
    let mut all = vec![world.project];
    for i in 1..projects {
        let id = ProjectId::new();
        directory
            .insert_project(&Project {
                id,
                name: format!("Event {i}"),
                operator_id: world.operator,
                watermark_text: None,
            })
            .await?;
        directory.assign(id, world.photographer).await?;
        all.push(id);
    }
    let seeded = Instant::now();
    for &p in &all {
        seed_ready_photos(
            db.pool(),
            p,
            world.operator,
            world.photographer,
            per_project,
        )
        .await?;
    }
    sqlx::query("ANALYZE photos").execute(db.pool()).await?;
    let seed_s = seeded.elapsed().as_secs_f64();

    let jwt = JwtConfig {
        secret: Some(SECRET.into()),
        ..JwtConfig::default()
    };
    let token = |sub, role| {
        mint_hs256(
            &jwt,
            sub,
            Audience::Backoffice,
            role,
            Duration::from_secs(3600),
        )
    };
    let op_token = token(world.operator.as_uuid(), Role::Operator)?;
    let ph_token = token(world.photographer.as_uuid(), Role::Photographer)?;
    let http = reqwest::Client::new();
    let get = |url: String, token: String| {
        let http = http.clone();
        async move {
            let t = Instant::now();
            let body = http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            Ok::<(f64, usize), reqwest::Error>((t.elapsed().as_secs_f64() * 1000.0, body.len()))
        }
    };
    let mut operator_page = Vec::new();
    let mut bytes = 0;
    for _ in 0..40 {
        let (t, n) = get(format!("{base}/v1/operators/me/photos"), op_token.clone()).await?;
        operator_page.push(t);
        bytes = n;
    }

    // The operator page's query before (filtering on the project's operator:
    // every page sorts all of the operator's photos) and now, same sitting.
    sqlx::any::install_default_drivers();
    let raw = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(&database_url)
        .await?;
    let shape = |filter: &str| {
        format!(
            "SELECT p.id, pr.name FROM photos p JOIN projects pr ON pr.id = p.project_id \
             WHERE {filter} = $1 ORDER BY p.taken_key DESC, p.created_at DESC, p.id DESC LIMIT 501"
        )
    };
    let mut old_shape = Vec::new();
    let mut new_shape = Vec::new();
    for _ in 0..20 {
        for (sql, out) in [
            (shape("pr.operator_id"), &mut old_shape),
            (shape("p.operator_id"), &mut new_shape),
        ] {
            let t = Instant::now();
            sqlx::query(&sql).bind(&op).fetch_all(&raw).await?;
            out.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }

    // The stale-plan scenario on one small project.
    let small = ProjectId::new();
    directory
        .insert_project(&Project {
            id: small,
            name: "Small, then huge".into(),
            operator_id: world.operator,
            watermark_text: None,
        })
        .await?;
    directory.assign(small, world.photographer).await?;
    seed_ready_photos(db.pool(), small, world.operator, world.photographer, 50).await?;
    sqlx::query("ANALYZE photos").execute(db.pool()).await?;
    let listing = format!("{base}/v1/photographers/me/projects/{small}/photos?limit=100");
    // A pool at Postgres's default plan cache, running the listing's query.
    let auto = sqlx::any::AnyPoolOptions::new()
        .max_connections(4)
        .connect(&database_url)
        .await?;
    let query = "SELECT p.id FROM photos p JOIN projects pr ON pr.id = p.project_id \
                 WHERE p.project_id = $1 ORDER BY p.taken_key DESC, p.created_at DESC, p.id DESC LIMIT 101";
    let run_auto = |auto: sqlx::AnyPool| async move {
        let t = Instant::now();
        sqlx::query(query)
            .bind(small.to_string())
            .fetch_all(&auto)
            .await?;
        Ok::<f64, sqlx::Error>(t.elapsed().as_secs_f64() * 1000.0)
    };
    // Warm every pooled connection well past Postgres's five custom plans.
    let mut warm = Vec::new();
    for _ in 0..16 * 8 {
        warm.push(tokio::spawn(get(listing.clone(), ph_token.clone())));
    }
    for w in warm {
        w.await??;
    }
    for _ in 0..4 * 8 {
        run_auto(auto.clone()).await?;
    }
    let before = median({
        let mut v = Vec::new();
        for _ in 0..20 {
            v.push(get(listing.clone(), ph_token.clone()).await?.0);
        }
        v
    });
    seed_ready_photos(db.pool(), small, world.operator, world.photographer, bulk).await?; // no ANALYZE: as autovacuum has not run yet
    let mut server_after = Vec::new();
    let mut auto_after = Vec::new();
    for _ in 0..20 {
        server_after.push(get(listing.clone(), ph_token.clone()).await?.0);
        auto_after.push(run_auto(auto.clone()).await?);
    }
    println!(
        "{}",
        serde_json::json!({
            "projects": projects,
            "photos_per_project": per_project,
            "seed_s": (seed_s * 10.0).round() / 10.0,
            "operator_first_page_ms_p50": median(operator_page),
            "operator_first_page_bytes": bytes,
            "operator_page_query_ms_p50_by_project_operator": median(old_shape),
            "operator_page_query_ms_p50_by_photo_operator": median(new_shape),
            "stale_plan": {
                "bulk_inserted": bulk,
                "listing_ms_p50_before": before,
                "server_listing_ms_p50_after": median(server_after),
                "default_plan_cache_query_ms_p50_after": median(auto_after),
            },
        })
    );
    running.shutdown().await;
    Ok(())
}
