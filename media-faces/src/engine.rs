//! The engine: the four networks loaded once, and the steps of
//! `find_faces` (detect → landmarks → upright chip → descriptor), each also
//! public for tests and tools.
//!
//! Over 400 lines on purpose: the steps of `find_faces` and the input
//! checks they share stay together, in the order they run.

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

/// Size, in SSD input pixels (of 512), of the smallest face sought in a
/// small-face tile. At 27 px the tiles found all 22 faces of the group
/// mosaic (3000 × 2000, faces 61–100 px); at 18 px (2 × 2 tiles) 19
/// (decision 0028).
pub const SSD_SMALL_FACE_PX: f32 = 26.0;

/// The score a small-face tile's detection needs. A face of 2-3 % of the
/// long edge fills ~27 px of the 512 input, where the SSD's smallest
/// anchors (51 px) score it lower: one of the group photo's 22 faces
/// scored under 0.5 in the pipeline's 3000 x 2000 image (0.507 at another
/// resampling) and was lost at face-api's 0.5. At 0.45 all 22 are found
/// and no false face is (tests/e2e_builtin_faces.rs).
pub const TILE_MIN_SCORE: f32 = 0.45;

/// A tile's detection this close to an inner edge of the tile is cut.
const EDGE_PX: f32 = 2.0;

/// Overlap of neighbouring small-face tiles, as a share of their side.
pub const TILE_OVERLAP: f32 = 0.15;

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
    ///
    /// Made for a long edge of 1,000–3,000 px (what the pipeline decodes:
    /// a 24 MP file at half scale). Detection is one SSD pass on the whole
    /// image plus the small-face tiles — 6 for any 3:2 image whose long
    /// edge is 2,000 px or more, so its cost does not grow with the image;
    /// above 3,000 px the tiles read a larger image (bilinear, no
    /// prefilter: hand the engine the half-scale decode), up to
    /// [`crate::MAX_PIXELS`]. Memory: the input's pixels (the caller's),
    /// ≈ 50 MB of weights per process, and 35 MiB at the peak of a call
    /// whatever the image's size (measured: `benches/memory.rs`; the
    /// largest feature maps are 256 × 256 × 64 floats).
    pub fn find_faces(&self, image: &Image, opts: &Options) -> Result<Found, FaceError> {
        check_image(image)?;
        check_options(opts)?;
        // One span a step, children of the caller's (the job's), not one a
        // face: a group photo's 22 faces would be 44 spans otherwise.
        let mut timings = Timings::default();
        let started = Instant::now();
        let detections =
            tracing::info_span!("detect", faces = tracing::field::Empty).in_scope(|| {
                let found = self.detect(image, opts);
                if let Ok(found) = &found {
                    tracing::Span::current().record("faces", found.len());
                }
                found
            })?;
        timings.detect = started.elapsed();
        let started = Instant::now();
        let points = tracing::info_span!("landmarks").in_scope(|| {
            detections
                .iter()
                .map(|d| self.landmarks(image, d.bbox))
                .collect::<Result<Vec<_>, _>>()
        })?;
        timings.landmarks = started.elapsed();
        let started = Instant::now();
        let descriptors = tracing::info_span!("describe").in_scope(|| {
            points
                .iter()
                .map(|p| self.describe_flip_averaged(image, p))
                .collect::<Result<Vec<_>, _>>()
        })?;
        timings.describe = started.elapsed();
        let faces = detections
            .into_iter()
            .zip(points)
            .zip(descriptors)
            .map(|((d, landmarks), descriptor)| Face {
                bbox: d.bbox,
                score: d.score,
                landmarks,
                descriptor,
            })
            .collect();
        Ok(Found { faces, timings })
    }

    /// The default detection of `find_faces`: face-api's SSD pass on the
    /// whole image at 512 (big faces), and the same net on overlapping
    /// tiles small enough that the smallest face sought —
    /// `max(min_face_px, 2 % of the long edge)` — is [`SSD_SMALL_FACE_PX`]
    /// px of the 512 input; merged by NMS at IoU 0.5, then a box mostly inside
    /// a better one dropped (`suppress_nested`). Faces whose box's
    /// shorter side is under `min_face_px` are dropped.
    pub fn detect(&self, image: &Image, opts: &Options) -> Result<Vec<Detection>, FaceError> {
        check_image(image)?;
        check_options(opts)?;
        let mut found = self.detect_ssd(image, opts.min_score, opts.max_faces)?;
        let whole = found.len();
        let (w, h) = (image.width as f32, image.height as f32);
        for tile in small_face_tiles(image, opts.min_face_px) {
            let min_score = opts.min_score.min(TILE_MIN_SCORE);
            for d in self.ssd_in(image, tile, min_score, opts.max_faces)? {
                // A face cut by a tile's inner edge is whole in a
                // neighbour (it overlaps) or big enough for the whole
                // pass; its cut half would be a false face.
                let [x, y, bw, bh] = d.bbox;
                let (tx0, ty0) = (tile.x as f32, tile.y as f32);
                let (tx1, ty1) = (tx0 + tile.w as f32, ty0 + tile.h as f32);
                let cut = (x <= tx0 + EDGE_PX && tx0 > 0.0)
                    || (y <= ty0 + EDGE_PX && ty0 > 0.0)
                    || (x + bw >= tx1 - EDGE_PX && tx1 < w)
                    || (y + bh >= ty1 - EDGE_PX && ty1 < h);
                // Part of a bigger face the whole pass found (a mouth).
                let inside = found[..whole].iter().any(|f| {
                    let area = bw * bh;
                    detect::intersection(f.bbox, d.bbox) > 0.5 * area
                        && area < 0.5 * f.bbox[2] * f.bbox[3]
                });
                if !cut && !inside {
                    found.push(d);
                }
            }
        }
        let min = opts.min_face_px as f32;
        found.retain(|d| d.bbox[2].min(d.bbox[3]) >= min);
        let merged = detect::nms(found, 0.5, usize::MAX);
        let mut faces = detect::suppress_nested(merged, 0.5);
        faces.truncate(opts.max_faces);
        Ok(faces)
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
        let whole = Rect {
            x: 0,
            y: 0,
            w: i64::from(image.width),
            h: i64::from(image.height),
        };
        self.ssd_in(image, whole, min_score, max_out)
    }

    /// The SSD pass on `cols × rows` overlapping tiles (each `1 + overlap`
    /// times its share of the image), merged by NMS at IoU 0.5.
    pub fn detect_ssd_tiles(
        &self,
        image: &Image,
        cols: u32,
        rows: u32,
        overlap: f32,
        min_score: f32,
    ) -> Result<Vec<Detection>, FaceError> {
        check_image(image)?;
        let (w, h) = (i64::from(image.width), i64::from(image.height));
        let tw = ((w as f32 / cols.max(1) as f32) * (1.0 + overlap))
            .ceil()
            .min(w as f32) as i64;
        let th = ((h as f32 / rows.max(1) as f32) * (1.0 + overlap))
            .ceil()
            .min(h as f32) as i64;
        let mut all = Vec::new();
        for &y in &detect::spread(h, th, i64::from(rows)) {
            for &x in &detect::spread(w, tw, i64::from(cols)) {
                all.extend(self.ssd_in(image, Rect { x, y, w: tw, h: th }, min_score, 100)?);
            }
        }
        Ok(detect::nms(all, 0.5, usize::MAX))
    }

    fn ssd_in(
        &self,
        image: &Image,
        crop: Rect,
        min_score: f32,
        max_out: usize,
    ) -> Result<Vec<Detection>, FaceError> {
        let raw = self.ssd.forward(&detect::ssd_input(image, crop));
        if raw
            .iter()
            .any(|r| !r.score.is_finite() || r.bbox.iter().any(|v| !v.is_finite()))
        {
            return Err(FaceError::NotFinite("SSD"));
        }
        Ok(detect::ssd_detections(&raw, crop, min_score, max_out))
    }

    /// The tiny detector on the image scaled by `scale`, fully
    /// convolutionally a band of rows at a time, NMS at IoU 0.4 (face-api's);
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
        let rows = |first: usize, count: usize| {
            let band = Rect {
                x: 0,
                y: first as i64,
                w: sw as i64,
                h: count as i64,
            };
            detect::tiny_input(image, f64::from(scale), band)
        };
        let mut boxes = Vec::new();
        for b in self.tiny.forward(sw, sh, &rows, min_score) {
            if !(b.score.is_finite() && b.bbox.iter().all(|v| v.is_finite())) {
                return Err(FaceError::NotFinite("tiny detector"));
            }
            let bbox = b.bbox.map(|v| v / scale);
            boxes.push(Detection {
                bbox: clip(bbox, image),
                score: b.score,
            });
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

    /// The mean of the descriptors of the upright chip and of its mirror
    /// image (left and right swapped): a descriptor that does not depend on
    /// which way the face looks, at twice the recognition cost.
    pub fn describe_flip_averaged(
        &self,
        image: &Image,
        points: &[[f32; 2]; 68],
    ) -> Result<[f32; DESCRIPTOR_DIM], FaceError> {
        check_image(image)?;
        let frame = align::frame(points, true).ok_or(FaceError::NotFinite("landmarks"))?;
        let mut chip = align::sample_chip(image, &frame);
        sample::normalise(&mut chip, recognition::MEAN_RGB);
        let mut mirror = chip.clone();
        let side = recognition::CHIP;
        for y in 0..side {
            for x in 0..side {
                let src = &chip.data[(y * side + side - 1 - x) * 3..][..3];
                mirror.data[(y * side + x) * 3..][..3].copy_from_slice(src);
            }
        }
        let (a, b) = self.recognition.forward_pair(&chip, &mirror);
        if a.iter().chain(&b).any(|v| !v.is_finite()) {
            return Err(FaceError::NotFinite("recognition net"));
        }
        let mut out = [0f32; DESCRIPTOR_DIM];
        for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
            *o = (x + y) / 2.0;
        }
        Ok(out)
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
    TINY_FACE_PX / smallest_face(image, min_face_px)
}

/// The smallest face sought, in image pixels.
fn smallest_face(image: &Image, min_face_px: u32) -> f32 {
    let long = image.width.max(image.height) as f32;
    (min_face_px.max(1) as f32).max(SMALL_FACE_SHARE * long)
}

/// The tiles of the small-face SSD passes: squares of
/// `smallest · 512 / SSD_SMALL_FACE_PX` px overlapping by
/// [`TILE_OVERLAP`]; none when one tile would hold the whole image (the
/// whole-image pass sees those faces at that size already).
pub fn small_face_tiles_of(width: u32, height: u32, min_face_px: u32) -> Vec<[i64; 4]> {
    let image = Image {
        width,
        height,
        rgb: &[],
    };
    small_face_tiles(&image, min_face_px)
        .into_iter()
        .map(|r| [r.x, r.y, r.w, r.h])
        .collect()
}

fn small_face_tiles(image: &Image, min_face_px: u32) -> Vec<Rect> {
    let (w, h) = (i64::from(image.width), i64::from(image.height));
    let side =
        (smallest_face(image, min_face_px) * ssd::INPUT as f32 / SSD_SMALL_FACE_PX).ceil() as i64;
    if side >= w.max(h) {
        return Vec::new();
    }
    let step = ((side as f32) * (1.0 - TILE_OVERLAP)).max(1.0) as i64;
    let count = |len: i64| {
        if len <= side {
            1
        } else {
            (len - side + step - 1) / step + 1
        }
    };
    let (tw, th) = (side.min(w), side.min(h));
    let mut tiles = Vec::new();
    for &y in &detect::spread(h, th, count(h)) {
        for &x in &detect::spread(w, tw, count(w)) {
            tiles.push(Rect { x, y, w: tw, h: th });
        }
    }
    tiles
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
