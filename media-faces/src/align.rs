//! The recognition chip. face-api cuts an axis-aligned square from the eye
//! and mouth centres (`alignDlib`); we keep its size and centre but turn the
//! face upright first — a similarity transform removing the tilt of the eye
//! line, sampled bilinearly, black outside the image — as dlib does before
//! its own descriptor.

use crate::Image;
use crate::ops::Map;
use crate::recognition::CHIP;

/// face-api's `alignDlib` constants: the chip's side is the mean
/// eye-to-mouth distance / 0.45, its top-left the centroid of the three
/// centres − (0.5, 0.43) · side.
const REL_SCALE: f32 = 0.45;
const REL_X: f32 = 0.5;
const REL_Y: f32 = 0.43;

/// The eye centres (points 36–41, 42–47) and the mouth centre (48–67).
pub(crate) fn centres(points: &[[f32; 2]; 68]) -> [[f32; 2]; 3] {
    let mean = |range: std::ops::Range<usize>| {
        let n = range.len() as f32;
        let (sx, sy) = points[range]
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
        [sx / n, sy / n]
    };
    [mean(36..42), mean(42..48), mean(48..68)]
}

/// How the chip is sampled from the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ChipFrame {
    /// The chip's side in image pixels.
    pub size: f32,
    /// The image point of the chip's (0, 0).
    pub origin: [f32; 2],
    /// The rotation: image step per chip step along the chip's x axis is
    /// `(cos, sin) · size / 150`, along its y axis `(−sin, cos) · size / 150`.
    pub cos: f32,
    pub sin: f32,
}

/// The upright frame of a face (`upright = false`: face-api's own,
/// axis-aligned, unfloored).
pub(crate) fn frame(points: &[[f32; 2]; 68], upright: bool) -> Option<ChipFrame> {
    let [le, re, mo] = centres(points);
    let dist = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let size = ((dist(mo, le) + dist(mo, re)) / 2.0 / REL_SCALE).floor();
    let c = [(le[0] + re[0] + mo[0]) / 3.0, (le[1] + re[1] + mo[1]) / 3.0];
    if !(size.is_finite() && size >= 1.0 && c[0].is_finite() && c[1].is_finite()) {
        return None;
    }
    let angle = if upright {
        (re[1] - le[1]).atan2(re[0] - le[0])
    } else {
        0.0
    };
    let (sin, cos) = angle.sin_cos();
    // The centroid sits at (0.5, 0.43) · size in chip units; rotate that
    // offset back to find the chip's origin in the image.
    let (ox, oy) = (REL_X * size, REL_Y * size);
    let origin = [c[0] - (cos * ox - sin * oy), c[1] - (sin * ox + cos * oy)];
    Some(ChipFrame {
        size,
        origin,
        cos,
        sin,
    })
}

/// Samples the 150×150 chip (RGB floats 0–255) of a frame: chip pixel
/// `(u, v)` reads the image at `origin + R · (u, v) · size / 150` —
/// face-api's TF-bilinear convention (no half-pixel shift) when upright
/// is off.
pub(crate) fn sample_chip(image: &Image, f: &ChipFrame) -> Map {
    let k = f.size / CHIP as f32;
    let (w, h) = (image.width as i64, image.height as i64);
    let px = |x: i64, y: i64| -> [f32; 3] {
        if x < 0 || y < 0 || x >= w || y >= h {
            return [0.0; 3];
        }
        let p = &image.rgb[((y * w + x) * 3) as usize..][..3];
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let mut out = Map::zeros(CHIP, CHIP, 3);
    for v in 0..CHIP {
        for u in 0..CHIP {
            let (du, dv) = (u as f32 * k, v as f32 * k);
            let sx = f.origin[0] + f.cos * du - f.sin * dv;
            let sy = f.origin[1] + f.sin * du + f.cos * dv;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let (tl, tr, bl, br) = (
                px(x0, y0),
                px(x0 + 1, y0),
                px(x0, y0 + 1),
                px(x0 + 1, y0 + 1),
            );
            let dst = &mut out.data[(v * CHIP + u) * 3..][..3];
            for ch in 0..3 {
                let top = tl[ch] + (tr[ch] - tl[ch]) * fx;
                let bottom = bl[ch] + (br[ch] - bl[ch]) * fx;
                dst[ch] = top + (bottom - top) * fy;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Landmarks with the eyes at `le`, `re` and every mouth point at `mo`.
    fn points(le: [f32; 2], re: [f32; 2], mo: [f32; 2]) -> [[f32; 2]; 68] {
        let mut p = [[0f32; 2]; 68];
        p[36..42].fill(le);
        p[42..48].fill(re);
        p[48..68].fill(mo);
        p
    }

    #[test]
    fn a_level_face_gets_face_apis_axis_aligned_frame() {
        let p = points([40.0, 50.0], [80.0, 50.0], [60.0, 90.0]);
        let f = frame(&p, true).unwrap();
        let size = ((20f32.powi(2) + 40f32.powi(2)).sqrt() / 0.45).floor();
        assert_eq!(f.size, size);
        assert!(f.sin.abs() < 1e-6);
        let c = [60.0, (50.0 + 50.0 + 90.0) / 3.0];
        assert!((f.origin[0] - (c[0] - 0.5 * size)).abs() < 1e-4);
        assert!((f.origin[1] - (c[1] - 0.43 * size)).abs() < 1e-4);
        assert_eq!(frame(&p, false), Some(f));
    }

    #[test]
    fn a_tilted_face_is_turned_so_its_eyes_are_level_in_the_chip() {
        // Eyes on a line tilted 30°, the mouth below their midpoint.
        let (s, c) = 30f32.to_radians().sin_cos();
        let rot = |x: f32, y: f32| [100.0 + c * x - s * y, 100.0 + s * x + c * y];
        let p = points(rot(-20.0, 0.0), rot(20.0, 0.0), rot(0.0, 40.0));
        let f = frame(&p, true).unwrap();
        assert!((f.sin - s).abs() < 1e-5 && (f.cos - c).abs() < 1e-5);
        // Both eyes map to the same chip row: invert the frame for each.
        let to_chip = |q: [f32; 2]| {
            let (dx, dy) = (q[0] - f.origin[0], q[1] - f.origin[1]);
            [
                (f.cos * dx + f.sin * dy) * 150.0 / f.size,
                (-f.sin * dx + f.cos * dy) * 150.0 / f.size,
            ]
        };
        let (l, r) = (to_chip(p[36]), to_chip(p[42]));
        assert!((l[1] - r[1]).abs() < 1e-3, "{l:?} {r:?}");
        assert!(l[0] < r[0]);
    }

    #[test]
    fn outside_the_image_the_chip_is_black() {
        let rgb = vec![255u8; 10 * 10 * 3];
        let image = Image {
            width: 10,
            height: 10,
            rgb: &rgb,
        };
        let f = ChipFrame {
            size: 150.0,
            origin: [-75.0, 0.0],
            cos: 1.0,
            sin: 0.0,
        };
        let chip = sample_chip(&image, &f);
        assert_eq!(chip.data[0], 0.0, "left of the image");
        assert_eq!(chip.data[(2 * 150 + 80) * 3], 255.0, "inside");
    }
}
