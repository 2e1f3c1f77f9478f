//! Listings and event stats at season scale keep their plans (issue 12.11,
//! issue 14.5; Postgres only:
//! SQLite plans each statement anyway).

use media_adapters::testing::{World, postgres_store, seed_ready_photos};
use media_core::domain::Project;
use media_core::ids::ProjectId;
use media_core::listing::{PhotoQuery, PhotoScope};
use media_core::ports::DirectoryRepo;

/// BENCHMARKS.md's cliff: a generic plan cached while a project was small
/// kept sorting after 151,000 inserts. Every connection of the pool plans
/// each execution with the values it is given.
#[tokio::test]
async fn every_pooled_connection_plans_each_execution_with_its_values() {
    let Some(store) = postgres_store(5).await else {
        return;
    };
    // Several at once, so they are distinct connections.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(store.pool().acquire().await.unwrap());
    }
    for conn in &mut held {
        let mode: (String,) = sqlx::query_as("SELECT current_setting('plan_cache_mode')")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(mode.0, "force_custom_plan");
    }
}

/// The operator-wide first page reads the (operator, listing order) index
/// and stops after the page; without that index it sorts all of the
/// operator's photos — shown here by dropping it.
#[tokio::test]
async fn the_operator_wide_first_page_reads_its_index_instead_of_sorting_every_photo() {
    let Some(store) = postgres_store(5).await else {
        return;
    };
    let w = World::create(&store).await;
    let mut projects = vec![w.project];
    for i in 1..5 {
        let id = ProjectId::new();
        store
            .insert_project(&Project {
                id,
                name: format!("Event {i}"),
                operator_id: w.operator,
                watermark_text: None,
            })
            .await
            .unwrap();
        projects.push(id);
    }
    for &p in &projects {
        seed_ready_photos(store.pool(), p, w.operator, w.photographer, 4_000)
            .await
            .unwrap();
    }
    let analyze = || async {
        sqlx::query("ANALYZE photos")
            .execute(store.pool())
            .await
            .unwrap();
    };
    analyze().await;
    let first_page = PhotoQuery {
        scope: PhotoScope::Operator {
            operator: w.operator,
            project_ids: None,
            photographer_ids: None,
        },
        after: None,
        limit: 50,
    };
    let plan = store.explain_listing(&first_page).await.unwrap();
    assert!(
        plan.contains("photos_operator_listing") && !plan.contains("Sort"),
        "{plan}"
    );

    sqlx::query("DROP INDEX photos_operator_listing")
        .execute(store.pool())
        .await
        .unwrap();
    analyze().await;
    let plan = store.explain_listing(&first_page).await.unwrap();
    assert!(plan.contains("Sort"), "{plan}");
}

/// Event stats (§3.13c) read each table through an index led by the
/// project: one event among others holding 30 times its rows (2,000 photos,
/// 5,000 faces, matches and jobs, 1,000 members against 60,000, 150,000 …),
/// and no plan node scans photos, faces, members, matches, suppressions or
/// jobs whole. (With a handful of projects a fifth of a table is the
/// project's, and Postgres rightly scans: the shape of a real season is many.)
#[tokio::test]
async fn event_stats_read_the_projects_rows_through_indexes_not_whole_tables() {
    let Some(store) = postgres_store(5).await else {
        return;
    };
    let w = World::create(&store).await;
    let rest = ProjectId::new();
    store
        .insert_project(&Project {
            id: rest,
            name: "The rest of the season".into(),
            operator_id: w.operator,
            watermark_text: None,
        })
        .await
        .unwrap();
    // The other events have a backlog (their jobs queued), this one's are done.
    for (p, scale, jobs) in [(w.project, 1_i64, "done"), (rest, 30, "queued")] {
        seed_ready_photos(store.pool(), p, w.operator, w.photographer, 2_000 * scale)
            .await
            .unwrap();
        for (sql, n) in [
            (
                "INSERT INTO faces (project_id, seq, photo_id, embedding) \
              SELECT $1, g, 'photo-' || g, '\\x00'::bytea FROM generate_series(1, $2) g",
                5_000,
            ),
            (
                "INSERT INTO matches (user_id, photo_id, project_id, distance) \
              SELECT $1 || '-user-' || (g % 1000), $1 || '-photo-' || g, $1, 0.2 FROM generate_series(1, $2) g",
                5_000,
            ),
            (
                "INSERT INTO match_suppressions (user_id, photo_id, project_id, created_at) \
              SELECT $1 || '-user-' || g, $1 || '-gone-' || g, $1, 0 FROM generate_series(1, $2) g",
                500,
            ),
            (
                "INSERT INTO project_members (project_id, user_id) \
              SELECT $1, $1 || '-user-' || g FROM generate_series(1, $2) g",
                1_000,
            ),
            (
                "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at, project_id) \
              SELECT $1 || '-job-' || g, 'generate_thumbnail', '{}', 'done', 1, 5, g, g, g, $1 FROM generate_series(1, $2) g",
                5_000,
            ),
        ] {
            sqlx::query(sql)
                .bind(p.to_string())
                .bind(n * scale)
                .bind(jobs)
                .execute(store.pool())
                .await
                .unwrap();
        }
    }
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    let plan = store
        .explain_stats(w.project, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    for table in [
        "photos",
        "faces",
        "project_members",
        "matches",
        "match_suppressions",
        "jobs",
    ] {
        assert!(
            !plan.contains(&format!("Seq Scan on {table} ")),
            "{table} scanned whole:\n{plan}"
        );
    }
    // The oldest waiting job is found through an index, whichever the
    // planner prefers here (`jobs_project_due` in a database of its own,
    // BENCHMARKS.md; a status-led one in this test's schema).
    assert!(
        plan.contains("Index Scan using jobs_") || plan.contains("Index Only Scan using jobs_"),
        "{plan}"
    );
}
