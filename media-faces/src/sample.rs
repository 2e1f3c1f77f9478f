//! From image pixels to network inputs: face-api's crops (a rectangle cut
//! out, padded with black to a square) resized with TensorFlow's bilinear
//! (`align_corners = false`, `half_pixel_centers = false`), and the
//! similarity-transform sampling of the upright recognition chip.

use crate::Image;
use crate::ops::Map;

/// A rectangle of whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

/// A window of the image, `side_w × side_h` from `origin`, where only the
/// pixels inside `visible` show (black elsewhere): face-api's crop padded
/// to a square.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub origin: (i64, i64),
    pub side_w: usize,
    pub side_h: usize,
    pub visible: Rect,
}

impl Window {
    /// face-api's `padToSquare(…, centred)`: the side after gets
    /// `round(diff / 2)`, the side before the rest.
    pub fn centred_square(crop: Rect) -> Window {
        let side = crop.w.max(crop.h);
        let diff = side - crop.w.min(crop.h);
        let before = diff - (diff + 1) / 2;
        let origin = if crop.w < crop.h {
            (crop.x - before, crop.y)
        } else {
            (crop.x, crop.y - before)
        };
        Window {
            origin,
            side_w: side as usize,
            side_h: side as usize,
            visible: crop,
        }
    }

    /// The detectors' padding: black bottom/right to a square.
    pub fn bottom_right_square(crop: Rect) -> Window {
        let side = crop.w.max(crop.h) as usize;
        Window {
            origin: (crop.x, crop.y),
            side_w: side,
            side_h: side,
            visible: crop,
        }
    }
}

/// TF bilinear resize of a window to `out_w × out_h`, RGB `0–255` floats.
pub(crate) fn resize_window(image: &Image, win: &Window, out_w: usize, out_h: usize) -> Map {
    resize_window_rows(image, win, out_w, out_h, 0, out_h)
}

/// Rows `first .. first + rows` of [`resize_window`]'s output.
pub(crate) fn resize_window_rows(
    image: &Image,
    win: &Window,
    out_w: usize,
    out_h: usize,
    first: usize,
    rows: usize,
) -> Map {
    let xs = axis(win.side_w, out_w);
    let ys = &axis(win.side_h, out_h)[first..first + rows];
    let v = win.visible;
    // Clip the visible rectangle to the image: outside it is black too.
    let vx0 = v.x.max(0);
    let vy0 = v.y.max(0);
    let vx1 = (v.x + v.w).min(i64::from(image.width));
    let vy1 = (v.y + v.h).min(i64::from(image.height));
    let width = image.width as usize;
    let pixel = |wy: usize, wx: usize| -> [f32; 3] {
        let iy = win.origin.1 + wy as i64;
        let ix = win.origin.0 + wx as i64;
        if iy < vy0 || iy >= vy1 || ix < vx0 || ix >= vx1 {
            return [0.0; 3];
        }
        let p = &image.rgb[(iy as usize * width + ix as usize) * 3..][..3];
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let mut out = Map::zeros(rows, out_w, 3);
    for (oy, &(y0, y1, fy)) in ys.iter().enumerate() {
        for (ox, &(x0, x1, fx)) in xs.iter().enumerate() {
            let (tl, tr, bl, br) = (pixel(y0, x0), pixel(y0, x1), pixel(y1, x0), pixel(y1, x1));
            let dst = &mut out.data[(oy * out_w + ox) * 3..][..3];
            for ch in 0..3 {
                let top = tl[ch] + (tr[ch] - tl[ch]) * fx;
                let bottom = bl[ch] + (br[ch] - bl[ch]) * fx;
                dst[ch] = top + (bottom - top) * fy;
            }
        }
    }
    out
}

/// For each output index along one axis: the two source indices and the
/// weight of the second (TF: `src = dst · in / out`, no half-pixel shift).
fn axis(input: usize, output: usize) -> Vec<(usize, usize, f32)> {
    let scale = input as f32 / output as f32;
    (0..output)
        .map(|o| {
            let src = o as f32 * scale;
            let lo = (src.floor() as usize).min(input.saturating_sub(1));
            let hi = (src.ceil() as usize).min(input.saturating_sub(1));
            (lo, hi, src - src.floor())
        })
        .collect()
}

/// `(x − mean) / 255` per channel, in place.
pub(crate) fn normalise(map: &mut Map, mean: [f32; 3]) {
    for px in map.data.chunks_exact_mut(3) {
        for (v, m) in px.iter_mut().zip(mean) {
            *v = (*v - m) / 255.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centred_square_pads_round_half_after_and_the_rest_before() {
        let w = Window::centred_square(Rect {
            x: 10,
            y: 20,
            w: 7,
            h: 10,
        });
        assert_eq!(
            (w.origin, w.side_w, w.side_h),
            ((9, 20), 10, 10),
            "3 → 1 before, 2 after"
        );
        let w = Window::centred_square(Rect {
            x: 10,
            y: 20,
            w: 10,
            h: 6,
        });
        assert_eq!(w.origin, (10, 18));
    }

    #[test]
    fn tf_bilinear_samples_at_dst_times_scale_and_repeats_the_last_pixel() {
        // A 1×4 gradient 0, 100, 200, 250 to 1×3: scale 4/3.
        let rgb: Vec<u8> = [0u8, 100, 200, 250]
            .iter()
            .flat_map(|&v| [v, v, v])
            .collect();
        let image = Image {
            width: 4,
            height: 1,
            rgb: &rgb,
        };
        let crop = Rect {
            x: 0,
            y: 0,
            w: 4,
            h: 1,
        };
        let win = Window {
            origin: (0, 0),
            side_w: 4,
            side_h: 1,
            visible: crop,
        };
        let out = resize_window(&image, &win, 3, 1);
        let got: Vec<f32> = out.data.chunks(3).map(|p| p[0]).collect();
        assert!((got[0] - 0.0).abs() < 1e-4);
        assert!((got[1] - 133.3333).abs() < 1e-3);
        // 8/3 = 2.667: 200 + (250 − 200) · 0.667.
        assert!((got[2] - 233.3333).abs() < 1e-3);
        // Enlarging: the last source pixel repeats past the edge.
        let out = resize_window(&image, &win, 8, 1);
        assert_eq!(out.data[7 * 3], 250.0);
    }

    #[test]
    fn pixels_outside_the_visible_rectangle_or_the_image_are_black() {
        let rgb = vec![200u8; 4 * 4 * 3];
        let image = Image {
            width: 4,
            height: 4,
            rgb: &rgb,
        };
        let win = Window::centred_square(Rect {
            x: 2,
            y: -2,
            w: 4,
            h: 4,
        });
        let out = resize_window(&image, &win, 4, 4);
        // Row 0 is above the image, column 2 is past its right edge.
        assert_eq!(out.data[0], 0.0);
        assert_eq!(out.data[(2 * 4) * 3], 200.0);
        assert_eq!(out.data[(2 * 4 + 2) * 3], 0.0);
    }
}
