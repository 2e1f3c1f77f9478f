//! The in-process face engine (`jobs/engine.rs`, SPEC §7a): it gets the
//! image of the pipeline's one decode, or one decode of its own; what it
//! returns is checked, its panics and non-finite values fail only the job.

use super::*;
use crate::imaging::RgbImage;

const ENGINE_MODEL: &str = "engine-128-test";

/// What a broken engine does on an image.
type Broken = fn(&RgbImage, u32) -> Result<Vec<DetectedFace>>;

/// An embedder that runs in process, answering `faces` for every image.
fn engine(
    m: &mut Mocks,
    faces: impl Fn(&RgbImage, u32) -> Result<Vec<DetectedFace>> + Send + 'static,
) {
    m.embedder = MockFaceEmbedder::new();
    m.embedder.expect_is_configured().return_const(true);
    m.embedder.expect_input().return_const(FaceInput::Image);
    m.embedder.expect_working_memory().return_const(64u64 << 20);
    m.embedder.expect_detect_faces().never();
    m.embedder.expect_faces_in_image().returning(faces);
}

/// A face of the engine at `(x, y)`, `side` px in the image it was shown,
/// with a raw (not unit-length) 128-d descriptor.
fn engine_face(x: f32, side: f32, score: f32, raw: Vec<f32>) -> DetectedFace {
    DetectedFace {
        bbox: FaceBox {
            x,
            y: 4.0,
            width: side,
            height: side,
        },
        score,
        embedding: raw,
        model: ENGINE_MODEL.to_owned(),
    }
}

fn raw(i: usize) -> Vec<f32> {
    let mut v = vec![0.1; 128];
    v[i] = 1.4;
    v
}

fn unit(v: &[f32]) -> bool {
    let n: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    (n - 1.0).abs() < 1e-5
}

/// 5200 × 200: decoded at 1/2 for the 2560 px watermarked copy.
fn wide_jpeg() -> Vec<u8> {
    crate::testing::jpeg(5200, 200, crate::testing::Fill::Solid([90, 90, 90]))
}

fn rendering(m: &mut Mocks, photo: &Photo) {
    m.unique_bytes().default_watermark();
    m.photos
        .expect_photo()
        .return_const(Ok(Some(photo.clone())));
    m.storage.expect_put().returning(|_, _, _| Ok(()));
    m.photos
        .expect_record_thumbnails()
        .returning(|_, _, _, _| Ok(true));
    m.photos
        .expect_record_watermark()
        .returning(|_, _, _| Ok(true));
}

#[tokio::test]
async fn the_engine_sees_the_one_decode_and_its_boxes_come_back_in_original_pixels() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let id = photo.id;
    let mut m = Mocks::new();
    rendering(&mut m, &photo);
    // One read of the original, for the derivatives and the faces.
    m.storage
        .expect_get()
        .times(1)
        .returning(|_, _, _| Ok(Fetched::Bytes(wide_jpeg())));
    m.storage.expect_head().never();
    engine(&mut m, |img, min_px| {
        // The decode at 1/2; the 40 px minimum in its pixels.
        assert_eq!((img.width(), img.height(), min_px), (2600, 100, 20));
        // 25 px here is 50 px in the original (kept); 15 px is 30 (ignored).
        Ok(vec![
            engine_face(100.0, 25.0, 0.9, raw(3)),
            engine_face(300.0, 15.0, 0.9, raw(4)),
        ])
    });
    m.faces
        .expect_store_faces()
        .withf(move |i, model, embs, jobs, _| {
            *i == id
                && model == ENGINE_MODEL
                && embs.len() == 1
                && embs[0].len() == 128
                && unit(&embs[0])
                && embs[0][3] > 0.7
                && jobs.len() == 1
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let out = m
        .media()
        .handle(&JobPayload::thumbnails(ProjectId::new(), id))
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
}

#[tokio::test]
async fn a_faces_only_reprocess_decodes_once_for_the_engine() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    let id = photo.id;
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage
        .expect_get()
        .times(1)
        .returning(|_, _, _| Ok(Fetched::Bytes(wide_jpeg())));
    m.storage.expect_put().never();
    engine(&mut m, |img, _| {
        assert_eq!((img.width(), img.height()), (2600, 100));
        Ok(vec![engine_face(0.0, 30.0, 0.9, raw(1))])
    });
    m.faces
        .expect_store_faces()
        .withf(move |i, model, embs, _, _| *i == id && model == ENGINE_MODEL && embs.len() == 1)
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let job = JobPayload::GenerateThumbnail {
        photo_id: id,
        project_id: None,
        rerender: false,
        faces_only: true,
    };
    assert_eq!(m.media().handle(&job).await.unwrap(), JobOutcome::Done);
}

/// What a panicking engine and one returning NaN leave: the photo keeps
/// its derivatives (ready without faces), the job fails for good (dead,
/// with the reason), nothing is stored, the worker goes on.
#[tokio::test]
async fn a_panicking_or_nan_engine_fails_the_job_and_stores_nothing() {
    let broken: [Broken; 3] = [
        |_, _| panic!("engine bug"),
        |_, _| {
            let mut v = raw(0);
            v[5] = f32::NAN;
            Ok(vec![engine_face(0.0, 60.0, 0.9, v)])
        },
        |_, _| Ok(vec![engine_face(f32::INFINITY, 60.0, f32::NAN, raw(0))]),
    ];
    for faces in broken {
        let p = photographer(Audience::Media);
        let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
        let id = photo.id;
        let mut m = Mocks::new();
        rendering(&mut m, &photo);
        m.storage
            .expect_get()
            .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
        engine(&mut m, faces);
        m.faces.expect_store_faces().never();
        m.photos.expect_fail_photo().never();
        let e = m
            .media()
            .handle(&JobPayload::thumbnails(ProjectId::new(), id))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Permanent(_)), "{e}");
    }
}

#[tokio::test]
async fn a_selfie_is_decoded_once_and_judged_by_the_rules_of_section_5() {
    let u = user();
    // (faces in the image's pixels, the verdict): a 64 × 48 selfie is
    // decoded whole (scale 1).
    let cases: Vec<(Vec<DetectedFace>, Option<RejectionReason>)> = vec![
        (vec![engine_face(0.0, 90.0, 0.95, raw(2))], None),
        (
            vec![engine_face(0.0, 60.0, 0.95, raw(2))],
            Some(RejectionReason::LowQuality),
        ),
        (
            vec![engine_face(0.0, 90.0, 0.6, raw(2))],
            Some(RejectionReason::NoFace),
        ),
        (
            vec![
                engine_face(0.0, 90.0, 0.95, raw(2)),
                engine_face(100.0, 90.0, 0.9, raw(3)),
            ],
            Some(RejectionReason::MultipleFaces),
        ),
    ];
    for (faces, verdict) in cases {
        let s = selfie_of(&u, SelfieStatus::Processing);
        let mut m = Mocks::new();
        m.consent(true);
        m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
        m.storage
            .expect_get()
            .times(1)
            .withf(|k, _, limit| k.as_str().contains("selfies/") && *limit == 50 * 1024 * 1024)
            .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
        engine(&mut m, move |img, min_px| {
            assert_eq!((img.width(), img.height(), min_px), (64, 48, 40));
            Ok(faces.clone())
        });
        match verdict {
            None => {
                m.selfies.expect_selfies_of().return_const(Ok(vec![]));
                m.directory
                    .expect_projects_of_user()
                    .return_const(Ok(vec![]));
                m.selfies
                    .expect_approve_selfie()
                    .withf(|_, model, emb, _, _, _| {
                        model == ENGINE_MODEL && emb.len() == 128 && unit(emb)
                    })
                    .times(1)
                    .returning(|_, _, _, _, _, _| Ok(true));
            }
            Some(reason) => {
                m.selfies
                    .expect_reject_selfie()
                    .withf(move |_, r, _, _| *r == reason)
                    .times(1)
                    .returning(|_, _, _, _| Ok(true));
            }
        }
        let out = m
            .media()
            .handle(&JobPayload::ProcessSelfie { selfie_id: s.id })
            .await
            .unwrap();
        assert_eq!(out, JobOutcome::Done);
    }
}

#[tokio::test]
async fn a_selfie_the_engine_panics_or_returns_nan_on_fails_as_processing_failed() {
    let broken: [Broken; 2] = [
        |_, _| panic!("engine bug"),
        |_, _| Ok(vec![engine_face(0.0, 90.0, 0.95, vec![f32::NAN; 128])]),
    ];
    for faces in broken {
        let u = user();
        let s = selfie_of(&u, SelfieStatus::Processing);
        let mut m = Mocks::new();
        m.consent(true);
        m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
        m.storage
            .expect_get()
            .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
        engine(&mut m, faces);
        m.selfies.expect_approve_selfie().never();
        m.selfies
            .expect_fail_selfie()
            .withf(|_, r, _, _| *r == FailureReason::ProcessingFailed)
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        let out = m
            .media()
            .handle(&JobPayload::ProcessSelfie { selfie_id: s.id })
            .await
            .unwrap();
        assert_eq!(out, JobOutcome::Done);
    }
}
