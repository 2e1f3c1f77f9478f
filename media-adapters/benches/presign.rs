//! Presigning cost per URL: the SDK's presigner against ours, in one run.
//!
//! cargo bench -p media-adapters --bench presign

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use criterion::{Criterion, criterion_group, criterion_main};
use time::OffsetDateTime;

use media_adapters::s3::{S3Config, S3Storage};
use media_core::ids::{PhotoId, ProjectId};
use media_core::keys::{self, PhotoObject};
use media_core::ports::Storage;

fn bench(c: &mut Criterion) {
    let storage = S3Storage::new(&S3Config {
        endpoint: "https://account.r2.cloudflarestorage.com".into(),
        bucket: "media".into(),
        region: "auto".into(),
        access_key_id: "AKIDEXAMPLE0000000000".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        public_url: None,
    });
    let key = keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Thumb400);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("presign_get");
    group.bench_function("aws-sdk-s3 presigner", |b| {
        b.iter(|| {
            let config = PresigningConfig::builder()
                .start_time(SystemTime::now())
                .expires_in(Duration::from_secs(900))
                .build()
                .unwrap();
            rt.block_on(async {
                storage
                    .client()
                    .get_object()
                    .bucket("media")
                    .key(black_box(key.as_str()))
                    .presigned(config)
                    .await
                    .unwrap()
            })
        })
    });
    group.bench_function("ours (cached day key)", |b| {
        b.iter(|| {
            storage
                .presign_get(
                    black_box(&key),
                    OffsetDateTime::now_utc(),
                    Duration::from_secs(900),
                )
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
