//! Detection: face-api's SSD pass at 512 exactly as face-api does it, the
//! tiny detector fully convolutionally at a scale where small faces are
//! ~51 px (its smallest anchor), and the merge of the two.

use crate::ops::Map;
use crate::sample::{self, Rect, Window};
use crate::{Image, ssd, tiny};

/// A face box in image pixels (`x, y, w, h`) and the detector's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// `x, y, width, height` in the image's pixels.
    pub bbox: [f32; 4],
    /// 0–1.
    pub score: f32,
}

/// Area of the intersection of two `x, y, w, h` boxes.
pub(crate) fn intersection(a: [f32; 4], b: [f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    ix.max(0.0) * iy.max(0.0)
}

/// Intersection over union of two `x, y, w, h` boxes (0 for empty ones).
pub fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    let inter = ix.max(0.0) * iy.max(0.0);
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if a[2] <= 0.0 || a[3] <= 0.0 || b[2] <= 0.0 || b[3] <= 0.0 || union <= 0.0 {
        return 0.0;
    }
    inter / union
}

/// Greedy non-maximum suppression, best score first: a box is kept when no
/// kept box overlaps it by more than `max_iou` (face-api's rule).
pub fn nms(mut boxes: Vec<Detection>, max_iou: f32, max_out: usize) -> Vec<Detection> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for candidate in boxes {
        if kept.len() >= max_out {
            break;
        }
        if kept.iter().all(|k| iou(k.bbox, candidate.bbox) <= max_iou) {
            kept.push(candidate);
        }
    }
    kept
}

/// Drops a box when most of it (over `max_share` of its own area) lies
/// inside a better-scoring kept box: the same face seen by the whole pass
/// and by a tile, or by two tiles, at different sizes. IoU alone missed
/// these (a 61 px box inside a 100 px one is IoU 0.37): the pipeline's
/// 3000 x 2000 group photo stored 25 faces for 22 before.
pub fn suppress_nested(mut boxes: Vec<Detection>, max_share: f32) -> Vec<Detection> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for candidate in boxes {
        let area = candidate.bbox[2] * candidate.bbox[3];
        let nested = kept.iter().any(|k| {
            let smaller = area.min(k.bbox[2] * k.bbox[3]);
            smaller > 0.0 && intersection(k.bbox, candidate.bbox) > max_share * smaller
        });
        if !nested {
            kept.push(candidate);
        }
    }
    kept
}

/// The SSD input: the image padded black bottom/right to a square and
/// resized to 512 (TF bilinear), `x / 127.5 − 1`.
pub(crate) fn ssd_input(image: &Image, crop: Rect) -> Map {
    let mut input = sample::resize_window(
        image,
        &Window::bottom_right_square(crop),
        ssd::INPUT,
        ssd::INPUT,
    );
    input.data.iter_mut().for_each(|v| *v = *v / 127.5 - 1.0);
    input
}

/// face-api's `locateFaces` after the net: NMS on the relative boxes (IoU
/// 0.5, score over `min_score`), then to pixels its way — through the
/// rounded size the crop had inside the 512 input — offset by the crop's
/// origin.
pub(crate) fn ssd_detections(
    raw: &[ssd::Raw],
    crop: Rect,
    min_score: f32,
    max_out: usize,
) -> Vec<Detection> {
    let candidates: Vec<Detection> = raw
        .iter()
        .filter(|r| r.score > min_score)
        .map(|r| {
            let [y0, x0, y1, x1] = r.bbox;
            Detection {
                bbox: [x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs()],
                score: r.score,
            }
        })
        .collect();
    let (w, h) = (crop.w as f64, crop.h as f64);
    let side = w.max(h);
    let input = ssd::INPUT as f64;
    let pad_x = input / (w * input / side).round();
    let pad_y = input / (h * input / side).round();
    nms(candidates, 0.5, max_out)
        .into_iter()
        .map(|d| {
            let [x, y, bw, bh] = d.bbox.map(f64::from);
            let (left, right) = (x.max(0.0) * pad_x * w, (x + bw).min(1.0) * pad_x * w);
            let (top, bottom) = (y.max(0.0) * pad_y * h, (y + bh).min(1.0) * pad_y * h);
            Detection {
                bbox: [
                    (left + crop.x as f64) as f32,
                    (top + crop.y as f64) as f32,
                    (right - left) as f32,
                    (bottom - top) as f32,
                ],
                score: d.score,
            }
        })
        .collect()
}

/// `n` windows of `side` px spread evenly over `len` (the first at 0, the
/// last ending at `len`).
pub(crate) fn spread(len: i64, side: i64, n: i64) -> Vec<i64> {
    if n <= 1 || side >= len {
        return vec![0];
    }
    (0..n).map(|i| i * (len - side) / (n - 1)).collect()
}

/// The image scaled by `scale` (area average when shrinking, TF bilinear
/// when enlarging), normalised for the tiny detector, for the tile
/// `tile` of the scaled image.
pub(crate) fn tiny_input(image: &Image, scale: f64, tile: Rect) -> Map {
    let mut map = if scale < 1.0 {
        area_tile(image, scale, tile)
    } else {
        bilinear_tile(image, scale, tile)
    };
    sample::normalise(&mut map, tiny::MEAN_RGB);
    map
}

fn bilinear_tile(image: &Image, scale: f64, tile: Rect) -> Map {
    let (sw, sh) = scaled_size(image, scale);
    let full = Rect {
        x: 0,
        y: 0,
        w: i64::from(image.width),
        h: i64::from(image.height),
    };
    let window = Window {
        origin: (0, 0),
        side_w: image.width as usize,
        side_h: image.height as usize,
        visible: full,
    };
    let rows = sample::resize_window_rows(image, &window, sw, sh, tile.y as usize, tile.h as usize);
    if tile.x == 0 && tile.w as usize == sw {
        return rows;
    }
    let (x0, w) = (tile.x as usize, tile.w as usize);
    let mut out = Map::zeros(rows.h, w, 3);
    for y in 0..rows.h {
        out.data[y * w * 3..][..w * 3].copy_from_slice(&rows.data[(y * sw + x0) * 3..][..w * 3]);
    }
    out
}

/// The scaled image's size.
pub(crate) fn scaled_size(image: &Image, scale: f64) -> (usize, usize) {
    let w = (f64::from(image.width) * scale).round().max(1.0) as usize;
    let h = (f64::from(image.height) * scale).round().max(1.0) as usize;
    (w, h)
}

/// For each output index of one axis: the first source index and the
/// weights of the source pixels it covers (area average).
fn area_axis(input: usize, output: usize, from: usize, count: usize) -> Vec<(usize, Vec<f32>)> {
    let ratio = input as f64 / output as f64;
    (from..from + count)
        .map(|o| {
            let start = o as f64 * ratio;
            let end = ((o + 1) as f64 * ratio).min(input as f64);
            let first = start.floor() as usize;
            let last = (end.ceil() as usize).clamp(first + 1, input);
            let weights = (first..last)
                .map(|i| {
                    let overlap = (end.min((i + 1) as f64) - start.max(i as f64)).max(0.0);
                    (overlap / (end - start)) as f32
                })
                .collect();
            (first, weights)
        })
        .collect()
}

fn area_tile(image: &Image, scale: f64, tile: Rect) -> Map {
    let (sw, sh) = scaled_size(image, scale);
    let (iw, ih) = (image.width as usize, image.height as usize);
    let xs = area_axis(iw, sw, tile.x as usize, tile.w as usize);
    let ys = area_axis(ih, sh, tile.y as usize, tile.h as usize);
    let mut out = Map::zeros(tile.h as usize, tile.w as usize, 3);
    let mut row = vec![0f32; tile.w as usize * 3];
    for (oy, (y0, wy)) in ys.iter().enumerate() {
        let dst = &mut out.data[oy * tile.w as usize * 3..][..tile.w as usize * 3];
        for (dy, &fy) in wy.iter().enumerate() {
            let src = &image.rgb[(y0 + dy) * iw * 3..][..iw * 3];
            for (ox, (x0, wx)) in xs.iter().enumerate() {
                let mut acc = [0f32; 3];
                for (dx, &fx) in wx.iter().enumerate() {
                    let p = &src[(x0 + dx) * 3..][..3];
                    acc[0] += fx * f32::from(p[0]);
                    acc[1] += fx * f32::from(p[1]);
                    acc[2] += fx * f32::from(p[2]);
                }
                row[ox * 3..][..3].copy_from_slice(&acc);
            }
            dst.iter_mut().zip(&row).for_each(|(d, &r)| *d += fy * r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes_and_separate_ones() {
        let d = |x: f32, score: f32| Detection {
            bbox: [x, 0.0, 10.0, 10.0],
            score,
        };
        let kept = nms(vec![d(0.0, 0.6), d(1.0, 0.9), d(50.0, 0.7)], 0.5, 10);
        assert_eq!(kept, vec![d(1.0, 0.9), d(50.0, 0.7)]);
        assert_eq!(nms(vec![d(0.0, 0.6), d(50.0, 0.7)], 0.5, 1).len(), 1);
        assert_eq!(iou([0.0, 0.0, 0.0, 10.0], [0.0, 0.0, 0.0, 10.0]), 0.0);
    }

    #[test]
    fn a_box_mostly_inside_a_better_one_is_the_same_face() {
        let d = |x: f32, side: f32, score: f32| Detection {
            bbox: [x, 0.0, side, side],
            score,
        };
        // 60 px inside 100 px: IoU 0.36, under NMS's 0.5, yet one face.
        let (big, small) = (d(0.0, 100.0, 0.9), d(20.0, 60.0, 0.8));
        assert!(iou(big.bbox, small.bbox) < 0.5);
        assert_eq!(nms(vec![big, small], 0.5, 10).len(), 2);
        assert_eq!(suppress_nested(vec![small, big], 0.5), vec![big]);
        // Neighbours that touch stay two faces.
        let next = d(90.0, 100.0, 0.7);
        assert_eq!(suppress_nested(vec![big, next], 0.5), vec![big, next]);
    }

    #[test]
    fn area_shrink_averages_the_pixels_it_covers() {
        // 4×1 → 2×1: (10, 30) and (50, 70) average to 20 and 60.
        let rgb: Vec<u8> = [10u8, 30, 50, 70].iter().flat_map(|&v| [v, v, v]).collect();
        let image = Image {
            width: 4,
            height: 1,
            rgb: &rgb,
        };
        let map = area_tile(
            &image,
            0.5,
            Rect {
                x: 0,
                y: 0,
                w: 2,
                h: 1,
            },
        );
        assert_eq!(map.data, vec![20.0, 20.0, 20.0, 60.0, 60.0, 60.0]);
        // 3 → 2: the middle pixel is split between the two.
        let image = Image {
            width: 3,
            height: 1,
            rgb: &rgb[..9],
        };
        let map = area_tile(
            &image,
            2.0 / 3.0,
            Rect {
                x: 0,
                y: 0,
                w: 2,
                h: 1,
            },
        );
        assert!((map.data[0] - (10.0 + 0.5 * 30.0) / 1.5).abs() < 1e-4);
    }
}
