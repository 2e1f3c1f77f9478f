//! Operators, photographers, projects, assignments, members.

use super::*;

async fn directory_writes_are_idempotent(store: &impl Store) {
    let w = world(store).await;
    // Again: nothing inserted, nothing changed (conflicts are the core's rule).
    let again = Operator {
        id: w.operator,
        name: "Someone else".into(),
    };
    assert!(!store.insert_operator(&again).await.unwrap());
    assert_eq!(
        store.operator(w.operator).await.unwrap().map(|o| o.name),
        Some("Olga Operator".to_owned())
    );
    store.assign(w.project, w.photographer).await.unwrap();
    assert!(store.is_assigned(w.project, w.photographer).await.unwrap());
    assert!(
        !store
            .is_assigned(w.project, PhotographerId::new())
            .await
            .unwrap()
    );
    let p = store.project(w.project).await.unwrap().unwrap();
    assert_eq!((p.name.as_str(), p.operator_id), ("Gala", w.operator));
    assert!(store.project(ProjectId::new()).await.unwrap().is_none());
    assert!(store.operator_exists(w.operator).await.unwrap());
    assert!(store.photographer_exists(w.photographer).await.unwrap());

    let user = UserId::new();
    let job = JobPayload::ClusterFaces {
        project_id: w.project,
    };
    assert!(
        store
            .join(w.project, user, std::slice::from_ref(&job), now())
            .await
            .unwrap(),
        "new member"
    );
    assert!(
        !store.join(w.project, user, &[job], now()).await.unwrap(),
        "already a member"
    );
    assert_eq!(
        store.list(&[JobStatus::Queued], 10).await.unwrap().len(),
        1,
        "jobs only for a new row"
    );
    assert!(store.is_member(w.project, user).await.unwrap());
    assert_eq!(store.projects_of_user(user).await.unwrap(), vec![w.project]);
}

media_adapters::contract_tests! {
    directory_writes_are_idempotent: 5,
}
