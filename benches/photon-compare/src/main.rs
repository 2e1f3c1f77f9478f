//! Text overlay on a 2560x1707 image: photon-rs's draw_text_with_border
//! against media-core's overlay_text, same machine, same run.
use std::time::Instant;

use media_core::imaging::RgbImage;
use media_core::imaging::watermark::overlay_text;
use photon_rs::PhotonImage;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let (w, h) = (2560u32, 1707u32);
    let reps = 30;
    let mut ours = Vec::new();
    let mut img = RgbImage::new(w, h, vec![128u8; (w * h * 3) as usize]).unwrap();
    for _ in 0..reps {
        let t = Instant::now();
        overlay_text(&mut img, "© Wairo");
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut photon = Vec::new();
    let mut convert = Vec::new();
    for _ in 0..reps {
        // photon works on RGBA: the conversion from our RGB is part of its cost.
        let t0 = Instant::now();
        let rgba: Vec<u8> = img.pixels().chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let mut p = PhotonImage::new(rgba, w, h);
        let t1 = Instant::now();
        photon_rs::text::draw_text_with_border(&mut p, "© Wairo", (w as i32) - 400, (h as i32) - 120, 90.0);
        photon.push(t1.elapsed().as_secs_f64() * 1000.0);
        convert.push((t1 - t0).as_secs_f64() * 1000.0);
        std::hint::black_box(p.get_raw_pixels());
    }
    println!(
        "{{\"image\":\"{w}x{h}\",\"reps\":{reps},\"ours_overlay_ms_median\":{:.3},\"photon_draw_text_with_border_ms_median\":{:.3},\"photon_rgb_to_rgba_ms_median\":{:.3}}}",
        median(ours),
        median(photon),
        median(convert)
    );
}
