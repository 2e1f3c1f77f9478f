//! The engine: the four networks loaded once, and the steps of
//! `find_faces` (detect → landmarks → upright chip → descriptor), each also
//! public for tests and tools.

use std::sync::OnceLock;
use std::time::Instant;

use crate::detect::{self, Detection};
use crate::ops::Map;
use crate::sample::{self, Rect, Window};
use crate::{
    DESCRIPTOR_DIM, Face, FaceError, Found, Image, LoadError, Options, Timings, align, check_image,
    landmarks, recognition, ssd, tiny, weights,
};

/// The networks, dequantised once. `Send + Sync`: one engine serves every
/// thread of a process (see [`Engine::shared`]).
pub struct Engine {
    ssd: ssd::Ssd,
    tiny: tiny::Tiny,
    landmarks: landmarks::LandmarkNet,
    recognition: recognition::RecognitionNet,
}

static SHARED: OnceLock<Result<Engine, LoadError>> = OnceLock::new();

/// Size, in tiny-detector input pixels, that the smallest face sought is
/// scaled to: about its smallest anchor (1.6 cells × 32 px = 51 px wide).
pub const TINY_FACE_PX: f32 = 51.0;

/// The smallest face sought in a photo, as a share of its long edge
/// (SPEC §7a: faces down to 2 % of the long edge).
pub const SMALL_FACE_SHARE: f32 = 0.02;

impl Engine {
    /// Loads the vendored weights: checks their SHA-256 and dequantises them
    /// (≈ 50 MB of `f32`).
    pub fn load() -> Result<Engine, LoadError> {
        Ok(Engine {
            ssd: ssd::Ssd::load(weights::load(&weights::SSD)?)?,
            tiny: tiny::Tiny::load(weights::load(&weights::TINY)?)?,
            landmarks: landmarks::LandmarkNet::load(weights::load(&weights::LANDMARKS)?)?,
            recognition: recognition::RecognitionNet::load(weights::load(&weights::RECOGNITION)?)?,
        })
    }

    /// The process's engine, loaded on first use.
    pub fn shared() -> Result<&'static Engine, LoadError> {
        SHARED
            .get_or_init(Engine::load)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Finds the faces of an image: detection (SSD at 512 and the tiny
    /// detector for small faces), landmarks, the upright chip and its
    /// descriptor, for every face whose box's shorter side is at least
    /// `opts.min_face_px`; best score first.
    pub fn find_faces(&self, image: &Image, opts: &Options) -> Result<Found, FaceError> {
        check_image(image)?;
        check_options(opts)?;
        let mut timings = Timings::default();
        let started = Instant::now();
        let detections = self.detect(image, opts)?;
        timings.detect = started.elapsed();
        let mut faces = Vec::with_capacity(detections.len());
        for d in detections {
            let started = Instant::now();
            let points = self.landmarks(image, d.bbox)?;
            timings.landmarks += started.elapsed();
            let started = Instant::now();
            let descriptor = self.describe(image, &points, true)?;
            timings.describe += started.elapsed();
            faces.push(Face {
                bbox: d.bbox,
                score: d.score,
                landmarks: points,
                descriptor,
            });
        }
        Ok(Found { faces, timings })
    }

    /// The default detection of `find_faces`: face-api's SSD pass at 512
    /// (its boxes and scores) and the tiny detector at the scale where a
    /// face of `max(min_face_px, 2 % of the long edge)` is ~51 px, merged:
    /// a tiny box is added where no SSD box is (IoU ≤ 0.3, centre outside).
    pub fn detect(&self, image: &Image, opts: &Options) -> Result<Vec<Detection>, FaceError> {
        check_image(image)?;
        check_options(opts)?;
        let mut found = self.detect_ssd(image, opts.min_score, opts.max_faces)?;
        let scale = tiny_scale(image, opts.min_face_px);
        let small = self.detect_tiny(image, scale, opts.min_score)?;
        for t in small {
            let [cx, cy] = [t.bbox[0] + t.bbox[2] / 2.0, t.bbox[1] + t.bbox[3] / 2.0];
            let covered = found.iter().any(|s| {
                let [x, y, w, h] = s.bbox;
                detect::iou(s.bbox, t.bbox) > 0.3
                    || (cx >= x && cx <= x + w && cy >= y && cy <= y + h)
            });
            if !covered {
                found.push(t);
            }
        }
        let min = opts.min_face_px as f32;
        found.retain(|d| d.bbox[2].min(d.bbox[3]) >= min);
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        found.truncate(opts.max_faces);
        Ok(found)
    }

    /// face-api's SSD detection exactly: the image padded bottom/right to
    /// a square, 512×512, NMS at IoU 0.5 over scores above `min_score`,
    /// boxes in image pixels.
    pub fn detect_ssd(
        &self,
        image: &Image,
        min_score: f32,
        max_out: usize,
    ) -> Result<Vec<Detection>, FaceError> {
        check_image(image)?;
        let raw = self.ssd.forward(&detect::ssd_input(image));
        if raw
            .iter()
            .any(|r| !r.score.is_finite() || r.bbox.iter().any(|v| !v.is_finite()))
        {
            return Err(FaceError::NotFinite("SSD"));
        }
        Ok(detect::ssd_detections(&raw, image, min_score, max_out))
    }

    /// The tiny detector on the image scaled by `scale`, fully
    /// convolutionally in overlapping tiles, NMS at IoU 0.4 (face-api's);
    /// boxes in image pixels.
    pub fn detect_tiny(
        &self,
        image: &Image,
        scale: f32,
        min_score: f32,
    ) -> Result<Vec<Detection>, FaceError> {
        check_image(image)?;
        if !(scale.is_finite() && scale > 0.0) {
            return Err(FaceError::InvalidOptions("scale must be a positive number"));
        }
        let (sw, sh) = detect::scaled_size(image, f64::from(scale));
        let mut boxes = Vec::new();
        for tile in detect::tiles(sw, sh) {
            let input = detect::tiny_input(image, f64::from(scale), tile);
            for b in self.tiny.forward(&input, min_score) {
                if !(b.score.is_finite() && b.bbox.iter().all(|v| v.is_finite())) {
                    return Err(FaceError::NotFinite("tiny detector"));
                }
                let [x, y, w, h] = b.bbox;
                let (ox, oy) = (tile.x as f32, tile.y as f32);
                let bbox = [(x + ox) / scale, (y + oy) / scale, w / scale, h / scale];
                boxes.push(Detection {
                    bbox: clip(bbox, image),
                    score: b.score,
                });
            }
        }
        Ok(detect::nms(boxes, 0.4, usize::MAX))
    }

    /// The 68 landmarks of the face in `bbox` (`x, y, w, h`, image pixels),
    /// as face-api finds them: the box clipped to the image and floored,
    /// padded evenly to a square, 112×112. One difference: face-api adds
    /// the unfloored box origin to points found in the floored crop, so its
    /// points sit `fract(x), fract(y)` (up to 1 px) right of and below
    /// ours; we add the crop's own origin.
    pub fn landmarks(&self, image: &Image, bbox: [f32; 4]) -> Result<[[f32; 2]; 68], FaceError> {
        check_image(image)?;
        let crop = clip_box(image, bbox).ok_or(FaceError::InvalidOptions(
            "the box is empty or outside the image",
        ))?;
        let window = Window::centred_square(crop);
        let mut input = sample::resize_window(image, &window, landmarks::INPUT, landmarks::INPUT);
        sample::normalise(&mut input, recognition::MEAN_RGB);
        let out = self.landmarks.forward(&input);
        let side = crop.w.max(crop.h) as f32;
        let pad_x = (side - crop.w as f32) / 2.0;
        let pad_y = (side - crop.h as f32) / 2.0;
        let mut points = [[0f32; 2]; 68];
        for (point, xy) in points.iter_mut().zip(out.chunks_exact(2)) {
            *point = [
                xy[0] * side - pad_x + crop.x as f32,
                xy[1] * side - pad_y + crop.y as f32,
            ];
            if !(point[0].is_finite() && point[1].is_finite()) {
                return Err(FaceError::NotFinite("landmark net"));
            }
        }
        Ok(points)
    }

    /// The 150×150 recognition chip of a face (RGB, rounded): upright
    /// (the engine's) or face-api's axis-aligned crop (`upright = false`).
    pub fn chip(
        image: &Image,
        points: &[[f32; 2]; 68],
        upright: bool,
    ) -> Result<Vec<u8>, FaceError> {
        check_image(image)?;
        let frame = align::frame(points, upright).ok_or(FaceError::NotFinite("landmarks"))?;
        let chip = align::sample_chip(image, &frame);
        Ok(chip
            .data
            .iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect())
    }

    /// The raw descriptor of a face from its landmarks: the upright chip
    /// (or face-api's axis-aligned one), unrounded, through the net.
    pub fn describe(
        &self,
        image: &Image,
        points: &[[f32; 2]; 68],
        upright: bool,
    ) -> Result<[f32; DESCRIPTOR_DIM], FaceError> {
        check_image(image)?;
        let frame = align::frame(points, upright).ok_or(FaceError::NotFinite("landmarks"))?;
        let mut chip = align::sample_chip(image, &frame);
        sample::normalise(&mut chip, recognition::MEAN_RGB);
        self.describe_map(&chip)
    }

    /// The raw descriptor of a 150×150 RGB chip (`150 · 150 · 3` bytes,
    /// HWC), exactly as face-api computes it for the same chip.
    pub fn describe_chip(&self, chip: &[u8]) -> Result<[f32; DESCRIPTOR_DIM], FaceError> {
        let side = recognition::CHIP as u32;
        check_image(&Image {
            width: side,
            height: side,
            rgb: chip,
        })?;
        let mut input = Map {
            h: recognition::CHIP,
            w: recognition::CHIP,
            c: 3,
            data: chip.iter().map(|&v| f32::from(v)).collect(),
        };
        sample::normalise(&mut input, recognition::MEAN_RGB);
        self.describe_map(&input)
    }

    fn describe_map(&self, input: &Map) -> Result<[f32; DESCRIPTOR_DIM], FaceError> {
        let out = self.recognition.forward(input);
        let mut descriptor = [0f32; DESCRIPTOR_DIM];
        descriptor.copy_from_slice(&out);
        if descriptor.iter().any(|v| !v.is_finite()) {
            return Err(FaceError::NotFinite("recognition net"));
        }
        Ok(descriptor)
    }
}

/// The tiny detector's scale for an image: the smallest face sought
/// (`max(min_face_px, 2 % of the long edge)`) becomes [`TINY_FACE_PX`].
pub fn tiny_scale(image: &Image, min_face_px: u32) -> f32 {
    let long = image.width.max(image.height) as f32;
    let smallest = (min_face_px.max(1) as f32).max(SMALL_FACE_SHARE * long);
    TINY_FACE_PX / smallest
}

fn clip(b: [f32; 4], image: &Image) -> [f32; 4] {
    let x0 = b[0].max(0.0);
    let y0 = b[1].max(0.0);
    let x1 = (b[0] + b[2]).min(image.width as f32);
    let y1 = (b[1] + b[3]).min(image.height as f32);
    [x0, y0, (x1 - x0).max(0.0), (y1 - y0).max(0.0)]
}

/// face-api's `clipAtImageBorders`: the box cut to the image, then every
/// number floored; `None` for an empty or non-finite box.
fn clip_box(image: &Image, bbox: [f32; 4]) -> Option<Rect> {
    if bbox.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let [x, y, w, h] = bbox.map(f64::from);
    let (cx, cy) = (x.max(0.0), y.max(0.0));
    let cw = (x + w - cx).min(f64::from(image.width) - cx);
    let ch = (y + h - cy).min(f64::from(image.height) - cy);
    let rect = Rect {
        x: cx.floor() as i64,
        y: cy.floor() as i64,
        w: cw.floor() as i64,
        h: ch.floor() as i64,
    };
    (rect.w > 0 && rect.h > 0).then_some(rect)
}

fn check_options(opts: &Options) -> Result<(), FaceError> {
    if !(0.0..1.0).contains(&opts.min_score) {
        return Err(FaceError::InvalidOptions("min_score must be in 0–1"));
    }
    Ok(())
}
