//! Shared by the fidelity tests: the six demo photos and face-api's findings.

#![allow(dead_code)]

use serde_json::Value;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A decoded photo: width, height, RGB.
pub struct Photo {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    /// face-api's faces: box, score, landmarks.
    pub faces: Vec<Value>,
}

impl Photo {
    pub fn image(&self) -> media_faces::Image<'_> {
        media_faces::Image {
            width: self.width,
            height: self.height,
            rgb: &self.rgb,
        }
    }
}

/// Decodes a JPEG to RGB8 (the demo photos carry no EXIF orientation).
pub fn decode(path: &str) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap();
    let mut decoder = jpeg_decoder::Decoder::new(std::io::BufReader::new(file));
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    (u32::from(info.width), u32::from(info.height), pixels)
}

/// The six photos with face-api's SSD results.
pub fn photos() -> Vec<Photo> {
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/photos/faceapi_ssd.json")).unwrap(),
    )
    .unwrap();
    json["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p["file"].as_str().unwrap().to_owned();
            let (width, height, rgb) = decode(&format!("{FIXTURES}/photos/{name}"));
            assert_eq!(
                (u64::from(width), u64::from(height)),
                (p["width"].as_u64().unwrap(), p["height"].as_u64().unwrap())
            );
            Photo {
                name,
                width,
                height,
                rgb,
                faces: p["faces"].as_array().unwrap().clone(),
            }
        })
        .collect()
}

pub fn f32s(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

pub fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    let inter = ix.max(0.0) * iy.max(0.0);
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}
