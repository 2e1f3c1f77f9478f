//! face-api's tiny face detector (a Tiny-YOLOv2 with separable convs), run
//! fully convolutionally: any input size, one cell per 32 input pixels,
//! five anchors a cell.

use crate::LoadError;
use crate::landmarks::Separable;
use crate::ops::{self, Act, Conv, Map, Pad};
use crate::weights::WeightMap;

/// face-api's channel means for this detector.
pub(crate) const MEAN_RGB: [f32; 3] = [117.001, 114.697, 97.404];
/// Anchor sizes, in cells (32 px).
const ANCHORS: [(f32, f32); 5] = [
    (1.603231, 2.094468),
    (6.041143, 7.080126),
    (2.882459, 3.518061),
    (4.266906, 5.178857),
    (9.041765, 10.66308),
];
/// Input pixels per output cell.
pub(crate) const CELL: f32 = 32.0;
/// The smallest input the layers accept (a 3×3 valid conv first).
pub(crate) const MIN_INPUT: usize = 3;

pub(crate) struct Tiny {
    conv0: Conv,
    convs: Vec<Separable>,
    conv8: Conv,
}

/// A detection in input pixels: `x, y, w, h` and score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Box {
    pub bbox: [f32; 4],
    pub score: f32,
}

impl Tiny {
    pub fn load(mut map: WeightMap) -> Result<Tiny, LoadError> {
        let f = map.take("conv0/filters", &[3, 3, 3, 16])?;
        let b = map.take("conv0/bias", &[16])?;
        let conv0 = Conv::new(f, [3, 3, 3, 16], Some(b), 1, Pad::Valid);
        let mut convs = Vec::new();
        for (i, (cin, cout)) in [(16, 32), (32, 64), (64, 128), (128, 256), (256, 512)]
            .into_iter()
            .enumerate()
        {
            convs.push(Separable::load(
                &mut map,
                &format!("conv{}", i + 1),
                cin,
                cout,
                1,
            )?);
        }
        let f = map.take("conv8/filters", &[1, 1, 512, 25])?;
        let b = map.take("conv8/bias", &[25])?;
        let conv8 = Conv::new(f, [1, 1, 512, 25], Some(b), 1, Pad::Valid);
        Ok(Tiny {
            conv0,
            convs,
            conv8,
        })
    }

    /// Every box scoring over `min_score` of a `width × height` input
    /// (normalised: `(x − mean) / 255`), in the input's pixels. The input
    /// is asked for a band of rows at a time (`rows(first, count)`), and
    /// each layer runs a band at a time, its 2×2 max pool applied as the
    /// band comes out: memory stays at a layer's pooled output (16 floats
    /// per 4 input pixels at most), never its full-resolution one.
    pub fn forward(
        &self,
        width: usize,
        height: usize,
        rows: &dyn Fn(usize, usize) -> Map,
        min_score: f32,
    ) -> Vec<Box> {
        if height < MIN_INPUT || width < MIN_INPUT {
            return Vec::new();
        }
        // conv0 (3×3 valid): output row r reads input rows r..r + 2.
        let out_h = height - 2;
        let mut x = banded_pooled(out_h, band_rows((width - 2) * 16), |r0, n| {
            self.conv0.run(&rows(r0, n + 2), Act::Leaky)
        });
        for (i, conv) in self.convs.iter().enumerate() {
            let input = x;
            if i < 4 {
                // A 3×3 SAME conv reads one row either side.
                x = separable_pooled(conv, &input, band_rows(input.w * conv.cout()));
            } else {
                x = ops::max_pool(&conv.run(&input, Act::Leaky), 2, 1, Pad::Same);
            }
        }
        let out = self.conv8.run(&x, Act::None);
        let mut boxes = Vec::new();
        for row in 0..out.h {
            for col in 0..out.w {
                let cell = &out.data[(row * out.w + col) * 25..][..25];
                for (a, &(aw, ah)) in ANCHORS.iter().enumerate() {
                    let t = &cell[a * 5..][..5];
                    let score = sigmoid(t[4]);
                    if score <= min_score {
                        continue;
                    }
                    let cx = (col as f32 + sigmoid(t[0])) * CELL;
                    let cy = (row as f32 + sigmoid(t[1])) * CELL;
                    let w = t[2].exp() * aw * CELL;
                    let h = t[3].exp() * ah * CELL;
                    boxes.push(Box {
                        bbox: [cx - w / 2.0, cy - h / 2.0, w, h],
                        score,
                    });
                }
            }
        }
        boxes
    }
}

/// Floats a band's layer output may take before it is pooled.
const BAND_FLOATS: usize = 1 << 21;

/// Rows a band of a layer whose output rows hold `floats_per_row` floats.
fn band_rows(floats_per_row: usize) -> usize {
    ((BAND_FLOATS / floats_per_row.max(1)).max(2)) & !1
}

/// Runs `layer(first_row, rows)` (which returns those rows of the layer's
/// output) on bands of an even number of rows and 2×2/2 max-pools each
/// ("SAME": the odd last row pools alone, as over the whole map).
fn banded_pooled(out_h: usize, band: usize, layer: impl Fn(usize, usize) -> Map) -> Map {
    debug_assert!(band >= 2 && band.is_multiple_of(2));
    let mut pooled: Option<Map> = None;
    let mut r0 = 0;
    while r0 < out_h {
        let n = band.min(out_h - r0);
        let part = ops::max_pool(&layer(r0, n), 2, 2, Pad::Same);
        let all = pooled.get_or_insert_with(|| Map {
            h: 0,
            w: part.w,
            c: part.c,
            data: Vec::new(),
        });
        all.h += part.h;
        all.data.extend_from_slice(&part.data);
        r0 += n;
    }
    pooled.unwrap_or_else(|| Map::zeros(0, 0, 0))
}

/// `max_pool(conv(x))` for a 3×3 SAME separable conv, a band at a time
/// (each band reads one row more either side).
fn separable_pooled(conv: &Separable, input: &Map, band: usize) -> Map {
    banded_pooled(input.h, band, |r0, n| {
        let a = r0.saturating_sub(1);
        let b = (r0 + n + 1).min(input.h);
        let out = conv.run(&rows_of(input, a, b - a), Act::Leaky);
        rows_of(&out, r0 - a, n)
    })
}

/// Rows `first .. first + count` of a map.
fn rows_of(map: &Map, first: usize, count: usize) -> Map {
    let row = map.w * map.c;
    Map {
        h: count,
        w: map.w,
        c: map.c,
        data: map.data[first * row..(first + count) * row].to_vec(),
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights;

    #[test]
    fn a_layer_run_in_bands_equals_the_layer_run_whole() {
        let mut map = weights::load(&weights::TINY).unwrap();
        let conv = Separable::load(&mut map, "conv1", 16, 32, 1).unwrap();
        let (h, w) = (13, 9);
        let data = (0..h * w * 16)
            .map(|i| ((i * 7919 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let x = Map { h, w, c: 16, data };
        let whole = ops::max_pool(&conv.run(&x, Act::Leaky), 2, 2, Pad::Same);
        for band in [2, 4, 6, 14] {
            let banded = separable_pooled(&conv, &x, band);
            assert_eq!((banded.h, banded.w, banded.c), (whole.h, whole.w, whole.c));
            for (a, b) in banded.data.iter().zip(&whole.data) {
                assert!((a - b).abs() < 1e-5, "band {band}: {a} vs {b}");
            }
        }
    }
}
