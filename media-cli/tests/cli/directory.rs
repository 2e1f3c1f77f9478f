//! `media-cli directory …` and `media-cli token`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_forms_are_idempotent_and_token_prints_a_token() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (op, ph, pr, user) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let (op_s, ph_s, pr_s, u_s) = (
            op.to_string(),
            ph.to_string(),
            pr.to_string(),
            user.to_string(),
        );
        for _ in 0..2 {
            env.ok(&[
                "directory",
                "operator",
                "add",
                "--id",
                &op_s,
                "--name",
                "Olga",
            ]);
            env.ok(&[
                "directory",
                "photographer",
                "add",
                "--id",
                &ph_s,
                "--name",
                "Pat",
            ]);
            env.ok(&[
                "directory",
                "project",
                "add",
                "--id",
                &pr_s,
                "--name",
                "Gala",
                "--operator",
                &op_s,
                "--watermark-text",
                "© Gala",
            ]);
            env.ok(&[
                "directory",
                "project",
                "assign",
                "--project",
                &pr_s,
                "--photographer",
                &ph_s,
            ]);
            env.ok(&[
                "directory",
                "project",
                "join",
                "--project",
                &pr_s,
                "--user",
                &u_s,
            ]);
            env.ok(&[
                "directory",
                "consent",
                "grant",
                "--user",
                &u_s,
                "--purpose",
                "biometric_processing",
            ]);
        }
        let db = env.db().await;
        let project = db.project(pr.into()).await.unwrap().unwrap();
        assert_eq!(
            (project.name.as_str(), project.watermark_text.as_deref()),
            ("Gala", Some("© Gala"))
        );
        assert!(db.is_assigned(pr.into(), ph.into()).await.unwrap());
        assert!(db.is_member(pr.into(), user.into()).await.unwrap());
        assert!(
            db.has_consent(user.into(), ConsentPurpose::BiometricProcessing)
                .await
                .unwrap()
        );

        // Bad input: one line, non-zero.
        env.fails(&[
            "directory",
            "project",
            "add",
            "--id",
            &Uuid::new_v4().to_string(),
            "--name",
            "X",
            "--operator",
            &Uuid::new_v4().to_string(),
        ]);
        env.fails(&[
            "directory",
            "project",
            "assign",
            "--project",
            &pr_s,
            "--photographer",
            &Uuid::new_v4().to_string(),
        ]);
        env.fails(&[
            "directory",
            "consent",
            "grant",
            "--user",
            &u_s,
            "--purpose",
            "marketing",
        ]);
        env.fails(&[
            "directory",
            "operator",
            "add",
            "--id",
            "not-a-uuid",
            "--name",
            "x",
        ]);

        let token = env.ok(&[
            "token",
            "--sub",
            &ph_s,
            "--aud",
            "backoffice",
            "--role",
            "photographer",
            "--ttl",
            "10m",
        ]);
        assert_eq!(token.lines().count(), 1);
        let secret = std::fs::read_to_string(env.dir.path().join("data/jwt-secret")).unwrap();
        let auth = media_adapters::jwt::JwtAuthenticator::new(media_adapters::jwt::JwtConfig {
            secret: Some(secret.trim().to_owned()),
            ..Default::default()
        })
        .unwrap();
        let p = auth
            .authenticate(token.trim(), Audience::Backoffice)
            .unwrap();
        assert_eq!((p.id, p.roles), (ph, vec![Role::Photographer]));
        env.fails(&["token", "--sub", &ph_s, "--aud", "web", "--role", "user"]);
        env.fails(&[
            "token", "--sub", &ph_s, "--aud", "media", "--role", "user", "--ttl", "soon",
        ]);
        env.ok(&["migrate"]);
    }
}

/// SPEC §8: re-adding a row with other values fails with a one-line
/// conflict and never moves or changes the row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_adding_a_row_with_other_values_is_a_conflict_and_changes_nothing() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (a, b, pr) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (a_s, b_s, pr_s) = (a.to_string(), b.to_string(), pr.to_string());
        for (id, name) in [(&a_s, "Olga"), (&b_s, "Otto")] {
            env.ok(&["directory", "operator", "add", "--id", id, "--name", name]);
        }
        let add = |operator: &str, text: Option<&str>| {
            let mut args = vec![
                "directory",
                "project",
                "add",
                "--id",
                &pr_s,
                "--name",
                "Gala",
                "--operator",
                operator,
            ];
            if let Some(t) = text {
                args.extend(["--watermark-text", t]);
            }
            args.iter().map(|s| s.to_string()).collect::<Vec<String>>()
        };
        let ok = |args: Vec<String>| env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let fails =
            |args: Vec<String>| env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
        ok(add(&a_s, Some("© Gala")));
        ok(add(&a_s, Some("© Gala"))); // identical: fine
        let e = fails(add(&b_s, Some("© Gala")));
        assert!(e.contains("conflict") || e.contains("exists"), "{e}");
        fails(add(&a_s, None)); // would clear the watermark text
        fails(vec![
            "directory".into(),
            "operator".into(),
            "add".into(),
            "--id".into(),
            a_s.clone(),
            "--name".into(),
            "Someone else".into(),
        ]);
        let db = env.db().await;
        let p = db.project(pr.into()).await.unwrap().unwrap();
        assert_eq!(
            (p.operator_id, p.watermark_text.as_deref()),
            (a.into(), Some("© Gala")),
            "the row did not move"
        );
    }
}

/// A CLI command beside a running server must not disturb the server's
/// embedded store: opening its folder used to delete the server's
/// in-progress uploads (s3s-fs cleans `.tmp.*.internal.part` files at start).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_beside_a_running_server_leave_its_store_alone() {
    let Some(env) = Env::new(false).await else {
        return;
    };
    let server = env.server_store().await;
    let in_progress = env.dir.path().join("data/objects/.tmp.7.internal.part");
    std::fs::write(&in_progress, b"half an upload").unwrap();
    let user = Uuid::new_v4().to_string();
    env.ok(&[
        "directory",
        "consent",
        "grant",
        "--user",
        &user,
        "--purpose",
        "biometric_processing",
    ]);
    env.ok(&["purge", "--orphans", "--dry-run"]);
    assert!(
        in_progress.exists(),
        "the server's in-progress upload survived"
    );
    drop(server);
}
