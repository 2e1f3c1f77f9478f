//! Multipart uploads (archives, SPEC §3.13b) through the storage adapter
//! against the in-process S3-compatible store.

use media_adapters::devstore::DevStore;
use media_core::ids::{ArchiveId, UserId};
use media_core::keys;
use media_core::ports::{Fetched, Storage};

#[tokio::test]
async fn parts_become_one_object_only_when_finished_and_an_abort_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dev = DevStore::start(dir.path(), "127.0.0.1:0".parse().unwrap(), "media", None)
        .await
        .unwrap();
    let s = dev.storage();
    let key = keys::archive(UserId::new(), ArchiveId::new());

    let upload = s.begin_upload(&key, "application/zip").await.unwrap();
    // S3's minimum for every part but the last: 5 MiB.
    let first = vec![1u8; 5 << 20];
    let second = b"the tail".to_vec();
    let parts = vec![
        s.upload_part(&key, &upload, 1, first.clone())
            .await
            .unwrap(),
        s.upload_part(&key, &upload, 2, second.clone())
            .await
            .unwrap(),
    ];
    assert!(
        s.head(&key).await.unwrap().is_none(),
        "not before it is finished"
    );
    s.finish_upload(&key, &upload, &parts).await.unwrap();
    let Fetched::Bytes(got) = s.get(&key, None, 64 << 20).await.unwrap() else {
        panic!("the object")
    };
    assert_eq!(got.len(), first.len() + second.len());
    assert!(got.starts_with(&first) && got.ends_with(&second));

    let other = keys::archive(UserId::new(), ArchiveId::new());
    let upload = s.begin_upload(&other, "application/zip").await.unwrap();
    s.upload_part(&other, &upload, 1, b"partial".to_vec())
        .await
        .unwrap();
    s.abort_upload(&other, &upload).await.unwrap();
    assert!(s.head(&other).await.unwrap().is_none());
}
