//! `media-cli faces run`: the built-in engine on a real photo stored
//! rotated with an EXIF orientation — faces in the oriented image's pixels.

use std::process::Command;

use serde_json::Value;

use media_adapters::testing::images;

/// face-api 1.7.15's boxes for sample1.jpg (1920 × 1280, upright).
const FACE_API_BOXES: [[f32; 4]; 3] = [
    [414.12, 354.79, 177.29, 239.75],
    [838.57, 421.5, 186.72, 228.47],
    [1476.48, 200.87, 203.16, 241.05],
];

/// A minimal EXIF block: one IFD entry, Orientation = 6 (the stored
/// pixels are to be turned 90° clockwise for display).
const EXIF_ROTATE_90_CW: &[u8] =
    b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";

fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    let inter = ix.max(0.0) * iy.max(0.0);
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

#[test]
fn faces_run_finds_the_faces_of_a_rotated_photo_in_its_oriented_pixels() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../media-faces/tests/fixtures/photos/sample1.jpg"
    );
    let mut decoder = jpeg_decoder::Decoder::new(std::fs::File::open(path).unwrap());
    let upright = decoder.decode().unwrap();
    let (w, h) = {
        let info = decoder.info().unwrap();
        (usize::from(info.width), usize::from(info.height))
    };
    // Store it turned 90° counter-clockwise: orientation 6 turns it back.
    let mut stored = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (y, w - 1 - x);
            stored[(sy * h + sx) * 3..][..3].copy_from_slice(&upright[(y * w + x) * 3..][..3]);
        }
    }
    let jpeg = images::jpeg_of(&stored, h as u16, w as u16, 92, Some(EXIF_ROTATE_90_CW));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rotated.jpg");
    std::fs::write(&file, jpeg).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_media-cli"))
        .args(["faces", "run", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (line["width"].as_u64(), line["height"].as_u64()),
        (Some(w as u64), Some(h as u64))
    );
    let faces = line["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 3, "{line}");
    for want in FACE_API_BOXES {
        let best = faces
            .iter()
            .map(|f| {
                let b: Vec<f32> = f["box"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect();
                iou([b[0], b[1], b[2], b[3]], want)
            })
            .fold(0f32, f32::max);
        assert!(best > 0.8, "{want:?}: best IoU {best}");
    }
    for f in faces {
        assert_eq!(f["descriptor"].as_array().unwrap().len(), 128);
        assert_eq!(f["landmarks"].as_array().unwrap().len(), 68);
    }
    for step in ["detect", "landmarks", "describe"] {
        assert!(line["ms"][step].as_f64().unwrap() > 0.0, "{step}");
    }

    // Without --json: a short table, one line per face.
    let out = Command::new(env!("CARGO_BIN_EXE_media-cli"))
        .args(["faces", "run"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("3 face(s)") && text.contains("#2  box"),
        "{text}"
    );

    // A file that is not an image: its own error line and a failing exit.
    let bad = dir.path().join("bad.jpg");
    std::fs::write(&bad, b"not an image").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_media-cli"))
        .args(["faces", "run", "--json"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(line["error"].is_string(), "{line}");
}

/// sample1.jpg in ProPhoto RGB's numbers, the profile embedded: what a
/// camera set to a wide gamut writes.
fn prophoto_jpeg() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../media-faces/tests/fixtures/photos/sample1.jpg"
    );
    let mut decoder = jpeg_decoder::Decoder::new(std::fs::File::open(path).unwrap());
    let srgb = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    let prophoto = moxcms::ColorProfile::new_pro_photo_rgb();
    let transform = moxcms::ColorProfile::new_srgb()
        .create_transform_8bit(
            moxcms::Layout::Rgb,
            &prophoto,
            moxcms::Layout::Rgb,
            moxcms::TransformOptions::default(),
        )
        .unwrap();
    let mut numbers = vec![0u8; srgb.len()];
    transform.transform(&srgb, &mut numbers).unwrap();
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 95);
    encoder
        .add_icc_profile(&prophoto.encode().unwrap())
        .unwrap();
    encoder
        .encode(
            &numbers,
            info.width,
            info.height,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

#[test]
fn faces_run_sees_a_wide_gamut_photo_as_the_workers_decode_it() {
    let jpeg = prophoto_jpeg();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prophoto.jpg");
    std::fs::write(&file, &jpeg).unwrap();

    // What the workers' face step sees: the pipeline's decode (profile
    // converted to sRGB), then the engine.
    let limits = media_core::imaging::Limits {
        max_pixels: 100_000_000,
        max_bytes: 100 << 20,
    };
    let decoded = media_core::imaging::face_image(&jpeg, limits).unwrap();
    assert_eq!(decoded.scale, 1.0, "sample1 is decoded whole");
    let image = media_faces::Image {
        width: decoded.image.width(),
        height: decoded.image.height(),
        rgb: decoded.image.pixels(),
    };
    let want = media_faces::Engine::shared()
        .unwrap()
        .find_faces(&image, &media_faces::Options::default())
        .unwrap();
    assert_eq!(want.faces.len(), 3);

    let out = Command::new(env!("CARGO_BIN_EXE_media-cli"))
        .args(["faces", "run", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = line["faces"].as_array().unwrap();
    assert_eq!(got.len(), want.faces.len(), "{line}");
    for (g, w) in got.iter().zip(&want.faces) {
        let floats = |v: &Value| -> Vec<f32> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        };
        assert_eq!(floats(&g["box"]), w.bbox.to_vec());
        // The descriptor is what shows the colours: the same pixels give
        // the same numbers (JSON keeps every bit of an f32).
        assert_eq!(floats(&g["descriptor"]), w.descriptor.to_vec());
    }
}
