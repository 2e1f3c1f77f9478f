//! The storage adapter against the in-process S3-compatible store, through
//! plain HTTP as clients use presigned URLs.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use proptest::prelude::*;
use time::OffsetDateTime;

use media_adapters::devstore::DevStore;
use media_adapters::s3::presign::{Method, Presigner, SignedHeaders};
use media_adapters::s3::{S3Config, S3Storage};
use media_core::ids::{ArchiveId, OperatorId, PhotoId, ProjectId, UserId};
use media_core::keys::{self, PhotoObject};
use media_core::ports::Fetched;
use media_core::ports::{ImageContentType, Storage, UploadConstraints};

const PUT_TTL: Duration = Duration::from_secs(600);
const GET_TTL: Duration = Duration::from_secs(900);

async fn store() -> (tempfile::TempDir, DevStore, S3Storage) {
    let dir = tempfile::tempdir().unwrap();
    let dev = DevStore::start(dir.path(), "127.0.0.1:0".parse().unwrap(), "media", None)
        .await
        .unwrap();
    let storage = dev.storage();
    (dir, dev, storage)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[tokio::test]
async fn presigned_put_and_get_through_plain_http() {
    let (_dir, _dev, s) = store().await;
    let key = keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Original);
    let http = reqwest::Client::new();
    let body = b"\xFF\xD8\xFFpretend jpeg".to_vec();
    let constraints = UploadConstraints {
        content_type: Some(ImageContentType::Jpeg),
        content_length: Some(body.len() as u64),
    };
    let put = s.presign_put(&key, &constraints, now(), PUT_TTL).unwrap();
    assert!(put.contains("X-Amz-Expires=600"));
    let r = http
        .put(&put)
        .header("content-type", "image/jpeg")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "PUT: {} {}",
        r.status(),
        r.text().await.unwrap()
    );

    let head = s.head(&key).await.unwrap().expect("object is there");
    assert_eq!(head.size, body.len() as u64);
    let get = s.presign_get(&key, now(), GET_TTL).unwrap();
    assert!(get.contains("X-Amz-Expires=900"));
    let r = http.get(&get).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
    let n = body.len() as u64;
    assert_eq!(
        s.get(&key, None, n).await.unwrap(),
        Fetched::Bytes(body.clone())
    );
    // The version read is the one asked for, and never more than the limit.
    let etag = head.etag.clone().expect("the store gives an ETag");
    assert_eq!(
        s.get(&key, Some(etag.clone()), n).await.unwrap(),
        Fetched::Bytes(body.clone())
    );
    assert_eq!(
        s.get(&key, Some("another-version".into()), n)
            .await
            .unwrap(),
        Fetched::Changed
    );
    assert!(matches!(
        s.get(&key, Some(etag), n - 1).await.unwrap(),
        Fetched::TooLarge(_)
    ));
}

#[tokio::test]
async fn tampered_and_expired_urls_are_refused() {
    let (_dir, _dev, s) = store().await;
    let key = keys::selfie(UserId::new(), 1);
    s.put(&key, b"x".to_vec(), "image/jpeg").await.unwrap();
    let http = reqwest::Client::new();

    let good = s.presign_get(&key, now(), GET_TTL).unwrap();
    assert!(http.get(&good).send().await.unwrap().status().is_success());

    // Another object with the same signature.
    let other = good.replace("/1.jpg", "/2.jpg");
    assert_eq!(http.get(&other).send().await.unwrap().status(), 403);
    // A longer life than was signed.
    let longer = good.replace("X-Amz-Expires=900", "X-Amz-Expires=9000");
    assert_eq!(http.get(&longer).send().await.unwrap().status(), 403);
    // A flipped signature character.
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    // Signed long enough ago to have expired.
    let expired = s
        .presign_get(&key, now() - Duration::from_secs(901), GET_TTL)
        .unwrap();
    assert_eq!(http.get(&expired).send().await.unwrap().status(), 403);
    // An upload URL whose life is over.
    let old_put = s
        .presign_put(
            &key,
            &UploadConstraints::default(),
            now() - Duration::from_secs(601),
            PUT_TTL,
        )
        .unwrap();
    assert_eq!(
        http.put(&old_put).body("y").send().await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn signed_content_type_and_length_are_enforced() {
    let (_dir, _dev, s) = store().await;
    let key = keys::operator_profile(OperatorId::new());
    let http = reqwest::Client::new();
    let constraints = UploadConstraints {
        content_type: Some(ImageContentType::Png),
        content_length: Some(4),
    };
    let url = s.presign_put(&key, &constraints, now(), PUT_TTL).unwrap();
    let wrong_type = http
        .put(&url)
        .header("content-type", "text/html")
        .body("abcd")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 403, "another content type is refused");
    let wrong_len = http
        .put(&url)
        .header("content-type", "image/png")
        .body("abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_len.status(), 403, "another length is refused");
    assert!(s.head(&key).await.unwrap().is_none());
    let right = http
        .put(&url)
        .header("content-type", "image/png")
        .body("abcd")
        .send()
        .await
        .unwrap();
    assert!(right.status().is_success(), "{}", right.status());
}

#[tokio::test]
async fn delete_prefix_removes_everything_under_it_and_nothing_else() {
    let (_dir, _dev, s) = store().await;
    let (project, photo, neighbour) = (ProjectId::new(), PhotoId::new(), PhotoId::new());
    for object in PhotoObject::ALL {
        s.put(
            &keys::photo(project, photo, object),
            b"x".to_vec(),
            "image/jpeg",
        )
        .await
        .unwrap();
    }
    let kept = keys::photo(project, neighbour, PhotoObject::Original);
    s.put(&kept, b"y".to_vec(), "image/jpeg").await.unwrap();
    let folder = keys::photo_folder(project, photo);
    assert_eq!(s.list_prefix(&folder).await.unwrap().len(), 4);
    assert_eq!(s.delete_prefix(&folder).await.unwrap(), 4);
    assert!(s.list_prefix(&folder).await.unwrap().is_empty());
    assert!(s.head(&kept).await.unwrap().is_some());
    // Deleting what is gone is fine.
    s.delete(&keys::photo(project, photo, PhotoObject::Original))
        .await
        .unwrap();
    assert_eq!(s.delete_prefix(&folder).await.unwrap(), 0);
    s.ping().await.unwrap();
}

#[tokio::test]
async fn the_public_reference_is_not_a_download_url() {
    let cfg = S3Config {
        endpoint: "https://acc.r2.cloudflarestorage.com".into(),
        bucket: "media".into(),
        region: "auto".into(),
        access_key_id: "AK".into(),
        secret_access_key: "SK".into(),
        public_url: Some("https://cdn.example.com/".into()),
    };
    let s = S3Storage::new(&cfg);
    let key = keys::operator_profile(OperatorId::new());
    assert_eq!(
        s.public_reference(&key),
        format!("https://cdn.example.com/{key}")
    );
    assert!(
        !format!("{cfg:?}").contains("SK\""),
        "the secret is redacted"
    );
    let cfg = S3Config {
        public_url: None,
        ..cfg
    };
    assert_eq!(
        S3Storage::new(&cfg).public_reference(&key),
        format!("https://acc.r2.cloudflarestorage.com/media/{key}")
    );
}

fn sdk_client(endpoint: &str, region: &str, ak: &str, sk: &str) -> aws_sdk_s3::Client {
    S3Storage::new(&S3Config {
        endpoint: endpoint.into(),
        bucket: "b".into(),
        region: region.into(),
        access_key_id: ak.into(),
        secret_access_key: sk.into(),
        public_url: None,
    })
    .client()
    .clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Our presigner writes the SDK's URL, byte for byte.
    #[test]
    fn presigned_urls_equal_the_sdks(
        secs in 1_600_000_000i64..2_000_000_000,
        ttl in 1u64..604_800,
        put in any::<bool>(),
        ct in proptest::option::of(0usize..3),
        len in proptest::option::of(1u64..100_000_000),
        region in prop::sample::select(vec!["auto", "us-east-1", "eu-west-3"]),
        endpoint in prop::sample::select(vec!["https://acc.r2.cloudflarestorage.com", "http://127.0.0.1:3004", "http://localhost:9000"]),
        bucket in "[a-z][a-z0-9-]{2,20}",
        ak in "[A-Z0-9]{16,20}",
        sk in "[A-Za-z0-9/+]{30,40}",
        key_kind in 0usize..3,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
        let key = match key_kind {
            0 => keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Thumb400),
            1 => keys::selfie(UserId::new(), secs * 1000),
            _ => keys::operator_profile(OperatorId::new()),
        };
        let content_type = ct.map(|i| ImageContentType::ALL[i].mime());
        let client = sdk_client(endpoint, region, &ak, &sk);
        let config = PresigningConfig::builder()
            .start_time(SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64))
            .expires_in(Duration::from_secs(ttl))
            .build()
            .unwrap();
        let sdk_url = rt.block_on(async {
            if put {
                client.put_object().bucket(&bucket).key(key.as_str())
                    .set_content_type(content_type.map(str::to_owned))
                    .set_content_length(len.map(|l| l as i64))
                    .presigned(config).await.unwrap().uri().to_owned()
            } else {
                client.get_object().bucket(&bucket).key(key.as_str()).presigned(config).await.unwrap().uri().to_owned()
            }
        });
        let ours = Presigner::new(endpoint, &bucket, region, &ak, &sk);
        let headers = if put { SignedHeaders { content_type, content_length: len } } else { SignedHeaders::default() };
        let url = ours.presign(if put { Method::Put } else { Method::Get }, key.as_str(), t, ttl, headers);
        prop_assert_eq!(url, sdk_url);
    }
}

/// Objects and archive parts go out with `UNSIGNED-PAYLOAD`: the body is
/// not hashed for the signature (TLS keeps it whole on the way to R2), and
/// hashing it cost ~5 ms of a photo's ~300 (perf, the burst benchmark).
#[tokio::test]
async fn objects_and_parts_are_sent_without_hashing_their_bodies() {
    use std::sync::{Arc, Mutex};

    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let addr = media_adapters::testing::serve_loopback("store", move |req| {
        let record = record.clone();
        async move {
            let header = req
                .headers()
                .get("x-amz-content-sha256")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned();
            record
                .lock()
                .unwrap()
                .push(format!("{} {header}", req.method()));
            http::Response::builder()
                .header("ETag", "\"part\"")
                .body(http_body_util::Full::new(hyper::body::Bytes::new()))
                .unwrap()
        }
    })
    .await;
    let storage = S3Storage::new(&S3Config {
        endpoint: format!("http://{addr}"),
        bucket: "media".into(),
        region: "auto".into(),
        access_key_id: "key".into(),
        secret_access_key: "secret".into(),
        public_url: None,
    });
    let photo = keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Thumb400);
    storage
        .put(&photo, vec![7; 100_000], "image/jpeg")
        .await
        .unwrap();
    let archive = keys::archive(UserId::new(), ArchiveId::new());
    storage
        .upload_part(&archive, "upload", 1, vec![7; 100_000])
        .await
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["PUT UNSIGNED-PAYLOAD", "PUT UNSIGNED-PAYLOAD"]
    );

    // A store that checks signatures as R2 does keeps such a body, byte for
    // byte (parts: storage_multipart.rs reads an archive back).
    let (_dir, _dev, s) = store().await;
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    s.put(&photo, body.clone(), "image/jpeg").await.unwrap();
    let Fetched::Bytes(got) = s.get(&photo, None, 1 << 20).await.unwrap() else {
        panic!("the object")
    };
    assert_eq!(got, body);
}
