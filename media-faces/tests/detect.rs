//! Fidelity of detection: face-api's SSD pass at 512 against face-api's
//! own results on the six demo photos (22 faces), decoded here by
//! jpeg-decoder (face-api's numbers come from sharp's decode: ±1–2 levels).

mod common;

#[test]
fn the_ssd_pass_finds_every_face_api_face_with_iou_0_9_and_its_score_within_0_02() {
    let engine = media_faces::Engine::shared().unwrap();
    let (mut worst_iou, mut worst_score) = (1f32, 0f32);
    for photo in common::photos() {
        let found = engine.detect_ssd(&photo.image(), 0.5, 100).unwrap();
        assert_eq!(found.len(), photo.faces.len(), "{}: {found:?}", photo.name);
        for (k, face) in photo.faces.iter().enumerate() {
            let b = common::f32s(&face["box"]);
            let want = [b[0], b[1], b[2], b[3]];
            let score = face["score"].as_f64().unwrap() as f32;
            let best = found
                .iter()
                .max_by(|x, y| common::iou(x.bbox, want).total_cmp(&common::iou(y.bbox, want)))
                .unwrap();
            let iou = common::iou(best.bbox, want);
            eprintln!(
                "{} face {k}: IoU {iou:.4}, score {:.4} vs {score:.4}",
                photo.name, best.score
            );
            worst_iou = worst_iou.min(iou);
            worst_score = worst_score.max((best.score - score).abs());
        }
    }
    assert!(worst_iou >= 0.9, "worst IoU {worst_iou}");
    assert!(worst_score <= 0.02, "worst score difference {worst_score}");
}
