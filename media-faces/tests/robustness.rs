//! Inputs at the limits: never a panic, never a NaN.

mod common;

use media_faces::{Engine, FaceError, Image, Options, cosine_distance};

#[test]
fn a_one_pixel_high_image_has_no_faces() {
    let rgb = vec![128u8; 1000 * 3];
    let found = Engine::shared().unwrap().find_faces(
        &Image {
            width: 1000,
            height: 1,
            rgb: &rgb,
        },
        &Options::default(),
    );
    assert_eq!(found.unwrap().faces.len(), 0);
    let rgb = vec![128u8; 3];
    let found = Engine::shared().unwrap().find_faces(
        &Image {
            width: 1,
            height: 1,
            rgb: &rgb,
        },
        &Options::default(),
    );
    assert_eq!(found.unwrap().faces.len(), 0);
}

#[test]
fn an_all_black_24_mp_image_has_no_faces() {
    let rgb = vec![0u8; 6000 * 4000 * 3];
    let found = Engine::shared().unwrap().find_faces(
        &Image {
            width: 6000,
            height: 4000,
            rgb: &rgb,
        },
        &Options::default(),
    );
    assert_eq!(found.unwrap().faces.len(), 0);
}

#[test]
fn an_image_over_100_mp_is_refused_before_any_work() {
    let image = Image {
        width: 12_000,
        height: 9_000,
        rgb: &[],
    };
    let err = Engine::shared()
        .unwrap()
        .find_faces(&image, &Options::default())
        .unwrap_err();
    assert!(matches!(err, FaceError::TooLarge { .. }), "{err:?}");
}

#[test]
fn a_face_cut_by_the_image_edge_is_found_and_described_with_black_outside() {
    let engine = Engine::shared().unwrap();
    let photo = common::photos().into_iter().next().unwrap();
    let whole = engine
        .find_faces(&photo.image(), &Options::default())
        .unwrap();
    // sample1's face at x 414–591: cut the photo at x = 474, a third of the face off.
    let (cut_x, w, h) = (474usize, photo.width as usize - 474, photo.height as usize);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        rgb.extend_from_slice(&photo.rgb[(y * photo.width as usize + cut_x) * 3..][..w * 3]);
    }
    let image = Image {
        width: w as u32,
        height: h as u32,
        rgb: &rgb,
    };
    let found = engine.find_faces(&image, &Options::default()).unwrap();
    let edge = found
        .faces
        .iter()
        .find(|f| f.bbox[0] < 5.0)
        .expect("the cut face");
    assert!(edge.descriptor.iter().all(|v| v.is_finite()));
    let original = whole
        .faces
        .iter()
        .find(|f| (f.bbox[0] - 414.0).abs() < 10.0)
        .unwrap();
    let d = cosine_distance(&edge.descriptor, &original.descriptor);
    eprintln!(
        "cut face: box {:?}, cosine distance to the whole face {d}",
        edge.bbox
    );
    assert!(
        d < media_faces::DEFAULT_MATCH_MAX_DISTANCE,
        "still the same person: {d}"
    );
    // A box reaching past the edges still gives finite landmarks and descriptor.
    let points = engine
        .landmarks(&image, [-60.0, -30.0, 180.0, 240.0])
        .unwrap();
    let descriptor = engine.describe(&image, &points, true).unwrap();
    assert!(descriptor.iter().all(|v| v.is_finite()));
}
