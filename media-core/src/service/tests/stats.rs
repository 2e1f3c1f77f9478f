//! Event stats (`stats.rs`).

use super::*;

#[tokio::test]
async fn an_operator_reads_their_projects_figures_as_of_now_and_no_one_elses() {
    let o = operator();
    let project = ProjectId::new();
    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: project,
        name: "Gala".into(),
        operator_id: o.as_operator(),
        watermark_text: None,
    })));
    m.directory
        .expect_project_stats()
        .withf(move |p, now| *p == project && *now == NOW)
        .times(1)
        .returning(|_, now| {
            Ok(ProjectStats {
                matches: 4,
                oldest_due_job: Some(now - Duration::from_secs(90)),
                ..ProjectStats::default()
            })
        });
    let s = m.media().project_stats(&o, project).await.unwrap();
    assert_eq!((s.matches, s.as_of), (4, Some(NOW)));
    assert_eq!(s.oldest_due_job_age(), Some(Duration::from_secs(90)));

    // Another operator's project, and a photographer: nothing is counted.
    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: project,
        name: "Gala".into(),
        operator_id: OperatorId::new(),
        watermark_text: None,
    })));
    m.directory.expect_project_stats().never();
    assert!(matches!(
        m.media().project_stats(&o, project).await,
        Err(Error::NotFound)
    ));
    let mut m = Mocks::new();
    m.directory.expect_project_stats().never();
    assert!(matches!(
        m.media()
            .project_stats(&photographer(Audience::Backoffice), project)
            .await,
        Err(Error::Forbidden(_))
    ));
}
