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

    /// Every box scoring over `min_score` of a normalised input
    /// (`(x − mean) / 255`), in the input's pixels.
    pub fn forward(&self, input: &Map, min_score: f32) -> Vec<Box> {
        if input.h < MIN_INPUT || input.w < MIN_INPUT {
            return Vec::new();
        }
        let mut x = self.conv0.run(input, Act::Leaky);
        for (i, conv) in self.convs.iter().enumerate() {
            x = ops::max_pool(&x, 2, 2, Pad::Same);
            x = conv.run(&x, Act::Leaky);
            if i == 4 {
                x = ops::max_pool(&x, 2, 1, Pad::Same);
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

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
