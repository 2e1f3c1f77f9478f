//! One-thread cost of the engine's steps (BENCHMARKS.md, "Built-in face
//! engine"): one SSD pass at 512, one face (landmarks + upright chip +
//! flip-averaged descriptor), the default detection of a 1920 px photo and
//! of a 3000 × 2000 group photo (the half-scale decode of a 24 MP file),
//! and find_faces on that group photo.
//!
//! `cargo bench -p media-faces --bench engine`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use media_faces::{Engine, Image, Options};

mod common;

use common::{decode, group_photo};

fn bench(c: &mut Criterion) {
    let engine = Engine::shared().expect("weights");
    let (w, h, rgb) = decode("sample1.jpg");
    let photo = Image {
        width: w,
        height: h,
        rgb: &rgb,
    };
    let face = engine.detect_ssd(&photo, 0.5, 100).expect("ssd")[0];
    let (gw, gh, group) = group_photo();
    let group = Image {
        width: gw,
        height: gh,
        rgb: &group,
    };
    let opts = Options::default();

    let mut g = c.benchmark_group("faces");
    g.sample_size(10);
    g.bench_function("ssd_pass_512_of_1920px", |b| {
        b.iter(|| engine.detect_ssd(black_box(&photo), 0.5, 100))
    });
    g.bench_function("per_face_landmarks_align_describe", |b| {
        b.iter(|| {
            let points = engine
                .landmarks(black_box(&photo), face.bbox)
                .expect("landmarks");
            engine
                .describe_flip_averaged(&photo, &points)
                .expect("describe")
        })
    });
    g.bench_function("recognition_net_one_chip", |b| {
        let points = engine.landmarks(&photo, face.bbox).expect("landmarks");
        b.iter(|| {
            engine
                .describe(black_box(&photo), &points, true)
                .expect("describe")
        })
    });
    g.bench_function("detect_default_1920x1280", |b| {
        b.iter(|| engine.detect(black_box(&photo), &opts))
    });
    g.bench_function("detect_default_3000x2000", |b| {
        b.iter(|| engine.detect(black_box(&group), &opts))
    });
    g.bench_function("find_faces_3000x2000_group", |b| {
        b.iter(|| engine.find_faces(black_box(&group), &opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
