//! `media-cli audit`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_reports_then_fixes_and_exits_non_zero_while_findings_remain() {
    let Some(env) = Env::new(false).await else {
        return;
    };
    let clean: Value = serde_json::from_str(&env.ok(&["audit", "--json"])).unwrap();
    assert_eq!(clean["orphans"]["count"], 0, "{clean}");
    let (_dev, storage) = env.store().await;
    let orphan = keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Original);
    storage
        .put(&orphan, b"x".to_vec(), "image/jpeg")
        .await
        .unwrap();
    let out = env.cli(&["audit", "--json"]);
    assert!(!out.status.success(), "findings make a non-zero exit");
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["orphans"]["count"], 1);
    assert_eq!(found["orphans"]["examples"][0], orphan.as_str());
    let fixed: Value = serde_json::from_str(&env.ok(&["audit", "--fix", "--json"])).unwrap();
    assert!(
        fixed["fixed"][0].as_str().unwrap().contains("purged 1"),
        "{fixed}"
    );
    assert!(storage.head(&orphan).await.unwrap().is_none());
    env.ok(&["audit"]);
}
