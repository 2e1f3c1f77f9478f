//! Listings at season scale keep their plans (issue 12.11, Postgres only:
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
