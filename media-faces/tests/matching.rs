//! The matching threshold on the six demo photos: every two faces of one
//! photo are different people (31 pairs), and each face of a photo's
//! mirror image is the same person as the face it mirrors.

mod common;

use media_faces::{DEFAULT_MATCH_MAX_DISTANCE, Engine, Image, Options, cosine_distance, iou};

#[test]
fn known_different_faces_are_over_the_threshold_and_mirrored_faces_under_it() {
    let engine = Engine::shared().unwrap();
    let (mut pairs, mut closest_different, mut farthest_same) = (0, f32::MAX, 0f32);
    for photo in common::photos() {
        let found = engine
            .find_faces(&photo.image(), &Options::default())
            .unwrap();
        assert_eq!(found.faces.len(), photo.faces.len(), "{}", photo.name);
        for (i, a) in found.faces.iter().enumerate() {
            for b in &found.faces[i + 1..] {
                let d = cosine_distance(&a.descriptor, &b.descriptor);
                closest_different = closest_different.min(d);
                pairs += 1;
            }
        }
        let (w, h) = (photo.width as usize, photo.height as usize);
        let mut mirrored = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                mirrored[(y * w + w - 1 - x) * 3..][..3]
                    .copy_from_slice(&photo.rgb[(y * w + x) * 3..][..3]);
            }
        }
        let image = Image {
            width: photo.width,
            height: photo.height,
            rgb: &mirrored,
        };
        let flipped = engine.find_faces(&image, &Options::default()).unwrap();
        for face in &found.faces {
            let [x, y, bw, bh] = face.bbox;
            let back = [w as f32 - x - bw, y, bw, bh];
            let twin = flipped
                .faces
                .iter()
                .max_by(|p, q| iou(p.bbox, back).total_cmp(&iou(q.bbox, back)))
                .unwrap();
            assert!(
                iou(twin.bbox, back) > 0.7,
                "{}: {:?}",
                photo.name,
                face.bbox
            );
            farthest_same = farthest_same.max(cosine_distance(&face.descriptor, &twin.descriptor));
        }
    }
    eprintln!(
        "{pairs} known-different pairs, closest {closest_different}; mirrored faces, farthest {farthest_same}"
    );
    assert_eq!(pairs, 31);
    assert!(
        closest_different > DEFAULT_MATCH_MAX_DISTANCE,
        "{closest_different}"
    );
    assert!(
        farthest_same < DEFAULT_MATCH_MAX_DISTANCE,
        "{farthest_same}"
    );
}
