//! The test photos of the engine's benchmarks: face-api's demo photos
//! (`tests/fixtures/photos`) and a group photo made of them.

const PHOTOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos");

pub fn decode(name: &str) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(format!("{PHOTOS}/{name}")).expect("fixture photo");
    let mut decoder = jpeg_decoder::Decoder::new(std::io::BufReader::new(file));
    let rgb = decoder.decode().expect("decode");
    let info = decoder.info().expect("info");
    (u32::from(info.width), u32::from(info.height), rgb)
}

/// A 3000 × 2000 group photo: the six demo photos halved (2 × 2 means) on
/// a grey 3 × 2 grid — 22 faces of 75–130 px, as in a 24 MP photo decoded
/// at half scale.
pub fn group_photo() -> (u32, u32, Vec<u8>) {
    let (gw, gh) = (3000usize, 2000usize);
    let mut out = vec![128u8; gw * gh * 3];
    for i in 0..6 {
        let (w, h, rgb) = decode(&format!("sample{}.jpg", i + 1));
        let (w, h) = (w as usize, h as usize);
        let (hw, hh) = ((w / 2).min(1000), (h / 2).min(1000));
        let (ox, oy) = (
            (i % 3) * 1000 + (1000 - hw) / 2,
            (i / 3) * 1000 + (1000 - hh) / 2,
        );
        for y in 0..hh {
            for x in 0..hw {
                for c in 0..3 {
                    let p = |yy: usize, xx: usize| u32::from(rgb[(yy * w + xx) * 3 + c]);
                    let s = p(2 * y, 2 * x)
                        + p(2 * y, 2 * x + 1)
                        + p(2 * y + 1, 2 * x)
                        + p(2 * y + 1, 2 * x + 1);
                    out[((oy + y) * gw + ox + x) * 3 + c] = ((s + 2) / 4) as u8;
                }
            }
        }
    }
    (gw as u32, gh as u32, out)
}
