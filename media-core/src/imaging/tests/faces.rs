//! The face image: what the built-in face engine is given from the one
//! decode of the normal path (SPEC §5, §7a).

use super::*;

fn marked(o: u16, red_at: (bool, bool), green_at: (bool, bool)) -> Vec<u8> {
    // Upright 5200 × 200: decoded at 1/2 for a 2560 px copy.
    let (sw, sh) = if o >= 5 { (200, 5200) } else { (5200, 200) };
    let mut stored = solid(sw, sh, GREY);
    paint(&mut stored, red_at, RED);
    paint(&mut stored, green_at, GREEN);
    jpeg(&stored, Some(exif_block(Some(o), None, None)))
}

#[test]
fn the_face_image_is_the_decode_turned_upright_with_the_scale_back_to_the_original() {
    for (o, red_at, green_at) in [(1, TL, TR), (3, BR, BL), (6, BL, TL), (8, TR, BR)] {
        let file = marked(o, red_at, green_at);
        let request = RenderRequest {
            thumbnails: true,
            watermark: Some(WatermarkSpec {
                text: "x".into(),
                max_edge: 2560,
            }),
        };
        let info = probe(&file, LIMITS).unwrap();
        let out = render_keeping_faces(&file, info, &request, LIMITS).unwrap();
        assert!(out.thumb_small.is_some() && out.watermarked.is_some());
        let face = out.face_image.expect("kept for the face step");
        let img = &face.image;
        assert_eq!((img.width, img.height), (2600, 100), "orientation {o}");
        assert_eq!(face.scale, 2.0, "orientation {o}");
        assert!(
            close(pixel_at_corner(img, false, false), RED),
            "orientation {o}: red not top-left"
        );
        assert!(
            close(pixel_at_corner(img, true, false), GREEN),
            "orientation {o}: green not top-right"
        );
        // Without the face step nothing is kept.
        let info = probe(&file, LIMITS).unwrap();
        assert_eq!(
            render_probed(&file, info, &request, LIMITS)
                .unwrap()
                .face_image,
            None
        );
    }
}

#[test]
fn a_decode_for_the_face_step_alone_covers_its_edge_and_counts_its_copy() {
    let file = marked(6, BL, TL);
    let info = probe(&file, LIMITS).unwrap();
    let nothing = RenderRequest {
        thumbnails: false,
        watermark: None,
    };
    // The thumbnails alone would decode at 1/4 or less; the face step's
    // 2560 px edge asks for 1/2.
    let thumbs = RenderRequest {
        thumbnails: true,
        watermark: None,
    };
    assert!(decode_cost_keeping(&info, &thumbs, true) > decode_cost(&info, &thumbs));
    assert!(decode_cost_keeping(&info, &nothing, true) > 2600 * 100 * 3);
    let out = render_keeping_faces(&file, info, &nothing, LIMITS).unwrap();
    assert_eq!(out.thumb_small, None);
    let face = out.face_image.unwrap();
    assert_eq!(
        (face.image.width, face.image.height, face.scale),
        (2600, 100, 2.0)
    );
    assert!(close(pixel_at_corner(&face.image, false, false), RED));
}
