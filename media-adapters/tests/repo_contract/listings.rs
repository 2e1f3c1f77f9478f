//! Listing order, cursors and the operator's scope.

use super::*;

async fn listings_follow_the_spec_order_and_cursors_visit_each_photo_once(store: &impl Store) {
    let w = world(store).await;
    let base = now();
    let mut photos = Vec::new();
    // Many ties: three dates (one undated), two creation times.
    for i in 0..30u64 {
        let taken = match i % 3 {
            0 => None,
            1 => Some(base - Duration::from_secs(86_400)),
            _ => Some(base - Duration::from_secs(3600)),
        };
        let p = new_photo(&w, taken, base - Duration::from_secs(i % 2));
        store.create_photo_if_assigned(&p).await.unwrap();
        photos.push(p);
    }
    let mut expected: Vec<Cursor> = photos.iter().map(Cursor::of).collect();
    expected.sort_by(listing_order);

    let all = store
        .list_photos(&PhotoQuery {
            scope: PhotoScope::Project(w.project),
            after: None,
            limit: 100,
        })
        .await
        .unwrap();
    let got: Vec<Cursor> = all.iter().map(|l| Cursor::of(&l.photo)).collect();
    assert_eq!(got, expected, "order");
    assert_eq!(all[0].project_name, "Gala");
    assert_eq!(all[0].photographer_name, "Pat Photographer");

    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_photos(&PhotoQuery {
                scope: PhotoScope::Project(w.project),
                after,
                limit: 7,
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|l| Cursor::of(&l.photo));
        paged.extend(page.iter().map(|l| Cursor::of(&l.photo)));
    }
    assert_eq!(paged, expected, "pages");
}

async fn operator_scope_and_filters(store: &impl Store) {
    let mine = world(store).await;
    let theirs = world(store).await;
    let t = now();
    let a = new_photo(&mine, None, t);
    let b = new_photo(&theirs, None, t);
    store.create_photo_if_assigned(&a).await.unwrap();
    store.create_photo_if_assigned(&b).await.unwrap();
    let q = |project_ids: Option<Vec<ProjectId>>, photographer_ids: Option<Vec<PhotographerId>>| {
        PhotoQuery {
            scope: PhotoScope::Operator {
                operator: mine.operator,
                project_ids,
                photographer_ids,
            },
            after: None,
            limit: 100,
        }
    };
    let ids = |v: Vec<PhotoListing>| v.into_iter().map(|l| l.photo.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_photos(&q(None, None)).await.unwrap()),
        vec![a.id]
    );
    assert_eq!(
        ids(store
            .list_photos(&q(Some(vec![mine.project]), None))
            .await
            .unwrap()),
        vec![a.id]
    );
    assert!(
        store
            .list_photos(&q(Some(vec![theirs.project]), None))
            .await
            .unwrap()
            .is_empty(),
        "outside matches nothing"
    );
    assert_eq!(
        ids(store
            .list_photos(&q(None, Some(vec![mine.photographer])))
            .await
            .unwrap()),
        vec![a.id]
    );
    assert!(
        store
            .list_photos(&q(None, Some(vec![theirs.photographer])))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_photos(&q(Some(vec![]), None))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Issue 26: a project moved to another operator (the platform's directory
/// changed its `operator_id`) is no longer listed to the old operator, its
/// originals included, and is listed to the new one.
async fn a_project_moved_to_another_operator_leaves_the_old_operators_listing(
    store: &media_adapters::sql::SqlStore,
) {
    let mine = world(store).await;
    let theirs = world(store).await;
    let a = new_photo(&mine, None, now());
    media_core::ports::PhotoRepo::create_photo_if_assigned(store, &a)
        .await
        .unwrap();
    sqlx::query("UPDATE projects SET operator_id = $1 WHERE id = $2")
        .bind(theirs.operator.to_string())
        .bind(mine.project.to_string())
        .execute(store.pool())
        .await
        .unwrap();
    let listed = |operator| PhotoQuery {
        scope: PhotoScope::Operator {
            operator,
            project_ids: None,
            photographer_ids: None,
        },
        after: None,
        limit: 100,
    };
    let old = media_core::ports::PhotoRepo::list_photos(store, &listed(mine.operator))
        .await
        .unwrap();
    assert!(old.is_empty(), "still listed to the old operator: {old:?}");
    let new = media_core::ports::PhotoRepo::list_photos(store, &listed(theirs.operator))
        .await
        .unwrap();
    assert_eq!(
        new.iter().map(|l| l.photo.id).collect::<Vec<_>>(),
        [a.id],
        "listed to the new one"
    );
}

media_adapters::contract_tests! {
    a_project_moved_to_another_operator_leaves_the_old_operators_listing: 5,
    listings_follow_the_spec_order_and_cursors_visit_each_photo_once: 5,
    operator_scope_and_filters: 5,
}
