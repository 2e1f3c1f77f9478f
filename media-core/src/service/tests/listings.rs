//! Listings and deletions (`photos.rs`).

use super::*;

fn listing(photo: Photo) -> PhotoListing {
    PhotoListing {
        photo,
        project_name: "Gala".into(),
        photographer_name: "Ann".into(),
    }
}

#[tokio::test]
async fn photographer_listing_pages_and_signs_existing_objects_only() {
    let p = photographer(Audience::Backoffice);
    let project = ProjectId::new();
    let rows: Vec<PhotoListing> = (0..3)
        .map(|i| {
            let status = if i == 0 {
                PhotoStatus::Ready
            } else {
                PhotoStatus::AwaitingUpload
            };
            listing(photo_of(&p, project, status))
        })
        .collect();
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos
        .expect_list_photos()
        .withf(move |q| q.scope == PhotoScope::Project(project) && q.limit == 3)
        .return_const(Ok(rows.clone()));
    let page = m
        .media()
        .photographer_photos(&p, project, PageRequest::new(2, None).unwrap())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next, Some(crate::listing::Cursor::of(&rows[1].photo)));
    let ready = &page.items[0];
    for url in [
        &ready.thumbnail_url,
        &ready.preview_url,
        &ready.full_url,
        &ready.watermarked_url,
    ] {
        assert!(url.as_deref().unwrap().contains("ttl=900"));
    }
    let awaiting = &page.items[1];
    assert!(
        awaiting.thumbnail_url.is_none()
            && awaiting.full_url.is_none()
            && awaiting.watermarked_url.is_none()
    );
    assert_eq!(ready.project_name, None);
    assert_eq!(ready.photographer_name.as_deref(), Some("Ann"));

    let mut m = Mocks::new();
    m.assigned(false);
    let e = m
        .media()
        .photographer_photos(&p, project, PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

#[tokio::test]
async fn operator_listings_are_scoped_to_the_operator() {
    let o = operator();
    let filter = OperatorFilter {
        project_ids: Some(vec![ProjectId::new()]),
        photographer_ids: None,
    };
    let expected = filter.clone();
    let op = o.as_operator();
    let mut m = Mocks::new();
    m.photos
        .expect_list_photos()
        .withf(move |q| {
            q.scope
                == PhotoScope::Operator {
                    operator: op,
                    project_ids: expected.project_ids.clone(),
                    photographer_ids: None,
                }
        })
        .return_const(Ok(vec![listing(photo_of(
            &photographer(Audience::Media),
            ProjectId::new(),
            PhotoStatus::Ready,
        ))]));
    let page = m
        .media()
        .operator_photos(&o, filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items[0].project_name.as_deref(), Some("Gala"));
    assert_eq!(page.next, None);

    let e = Mocks::new()
        .media()
        .operator_photos(
            &photographer(Audience::Backoffice),
            OperatorFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));

    // another operator's project is not found
    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: ProjectId::new(),
        name: "x".into(),
        operator_id: OperatorId::new(),
        watermark_text: None,
    })));
    let e = m
        .media()
        .operator_project_photos(&o, ProjectId::new(), PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

#[tokio::test]
async fn photographers_delete_their_own_photos_durably() {
    let p = photographer(Audience::Backoffice);
    let project = ProjectId::new();
    let own = photo_of(&p, project, PhotoStatus::Ready);
    let id = own.id;
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(own.clone())));
    m.photos
        .expect_delete_photo()
        .withf(move |i, jobs, _| *i == id && jobs == deletion_jobs(project, id))
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.media()
        .photographer_delete_photo(&p, project, id)
        .await
        .unwrap();

    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(own.clone())));
    let e = m
        .media()
        .photographer_delete_photo(&photographer(Audience::Backoffice), project, id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));

    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(own)));
    let e = m
        .media()
        .photographer_delete_photo(&p, ProjectId::new(), id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

#[tokio::test]
async fn operators_delete_any_photo_of_their_projects() {
    let o = operator();
    let project = Project {
        id: ProjectId::new(),
        name: "p".into(),
        operator_id: o.as_operator(),
        watermark_text: None,
    };
    let photo = photo_of(
        &photographer(Audience::Media),
        project.id,
        PhotoStatus::Ready,
    );
    let (pid, id) = (project.id, photo.id);
    let mut m = Mocks::new();
    m.directory
        .expect_project()
        .return_const(Ok(Some(project.clone())));
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.photos
        .expect_delete_photo()
        .withf(move |i, jobs, _| *i == id && jobs == deletion_jobs(pid, id))
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.media().operator_delete_photo(&o, pid, id).await.unwrap();

    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(project)));
    let e = m
        .media()
        .operator_delete_photo(&operator(), pid, id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}
