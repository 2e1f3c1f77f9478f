//! The built-in face engine (SPEC §7a): finds the faces of a photo, their 68
//! landmarks, turns each face upright and describes it with dlib's 128-d
//! ResNet descriptor — face-api 1.7.15's networks and weights, run by
//! kernels of this crate (decisions 0026–0028). Pure compute: no I/O, no
//! async; the weights are embedded in the binary. `find_faces` opens a
//! `tracing` span per step (`detect`, `landmarks`, `describe`) under the
//! caller's (decision 0029).
//!
//! ```no_run
//! let engine = media_faces::Engine::shared()?;
//! let rgb = vec![0u8; 640 * 480 * 3];
//! let image = media_faces::Image { width: 640, height: 480, rgb: &rgb };
//! let found = engine.find_faces(&image, &media_faces::Options::default())?;
//! for face in &found.faces {
//!     println!("{:?} {}", face.bbox, face.score);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

mod align;
mod detect;
mod engine;
mod landmarks;
mod ops;
mod recognition;
mod sample;
mod ssd;
mod tiny;
mod weights;

pub use detect::{Detection, iou, nms};
pub use engine::{
    Engine, SMALL_FACE_SHARE, SSD_SMALL_FACE_PX, TILE_OVERLAP, TINY_FACE_PX, small_face_tiles_of,
    tiny_scale,
};

/// The model every descriptor of this engine is recorded with: embeddings of
/// two models are never compared (SPEC §7a).
pub const MODEL: &str = "faceapi-1.7.15-dlib-resnet-128";

/// Length of a descriptor.
pub const DESCRIPTOR_DIM: usize = 128;

/// The largest image `find_faces` accepts, in pixels: the service's own
/// `MAX_IMAGE_PIXELS` default (SPEC §5). Past it the work is refused, never
/// attempted.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Default cosine distance (on L2-normalised descriptors) at or under
/// which two faces of [`MODEL`] are one person. Chosen by measurement
/// (decision 0028, `measurements/distances.json`): same-person distances
/// reach 0.043 on the 62 detected variants of the demo faces and 0.0552
/// on the mirror images of the six demo photos; the 31 known-different
/// pairs start at 0.0680. 0.060 leaves 0.005 and 0.008 either side. dlib's
/// descriptors spread over a narrow cone: these distances are an order of
/// magnitude under a 512-d ArcFace embedding's.
pub const DEFAULT_MATCH_MAX_DISTANCE: f32 = 0.060;

/// An oriented sRGB image, 8 bits a channel, rows top to bottom, `RGBRGB…`.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width · height · 3` bytes.
    pub rgb: &'a [u8],
}

/// What `find_faces` looks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Faces whose box's shorter side is under this many pixels are not
    /// reported.
    pub min_face_px: u32,
    /// Detections scoring at or under this are dropped (face-api: 0.5).
    pub min_score: f32,
    /// At most this many faces, best first.
    pub max_faces: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_face_px: 40,
            min_score: 0.5,
            max_faces: 100,
        }
    }
}

/// One face found.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// `x, y, width, height` in the image's pixels.
    pub bbox: [f32; 4],
    /// The detector's score, 0–1.
    pub score: f32,
    /// The 68 points (iBUG 300-W order), in the image's pixels.
    pub landmarks: [[f32; 2]; 68],
    /// dlib's descriptor of the upright face: the mean of the raw
    /// descriptors of the upright chip and of its mirror image (see
    /// [`Engine::describe_flip_averaged`]); not normalised (length ≈ 1.4).
    pub descriptor: [f32; DESCRIPTOR_DIM],
}

/// Time spent in each step of one `find_faces` call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Detection (every pass).
    pub detect: Duration,
    /// Landmarks of every face.
    pub landmarks: Duration,
    /// Alignment and descriptor of every face.
    pub describe: Duration,
}

/// What `find_faces` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The faces, best score first.
    pub faces: Vec<Face>,
    /// Where the time went.
    pub timings: Timings,
}

/// The vendored weights could not be loaded (a corrupted build).
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    /// A vendored file's SHA-256 is not the one recorded in `weights/SHA256SUMS`.
    #[error("{file}: SHA-256 {actual}, expected {expected}")]
    Checksum {
        /// Which file.
        file: String,
        /// The digest recorded.
        expected: String,
        /// The digest found.
        actual: String,
    },
    /// A manifest or weight file does not describe the network this engine runs.
    #[error("malformed weights: {0}")]
    Malformed(String),
}

/// An input the engine cannot work on. Never a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaceError {
    /// Width or height is zero.
    #[error("the image is empty ({width}×{height})")]
    Empty {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
    },
    /// More pixels than [`MAX_PIXELS`].
    #[error("the image has {width}×{height} pixels, more than {max} in all")]
    TooLarge {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
        /// [`MAX_PIXELS`].
        max: u64,
    },
    /// `rgb` is not `width · height · 3` bytes.
    #[error("the pixel buffer has {actual} bytes, {expected} expected")]
    BufferSize {
        /// `width · height · 3`.
        expected: u64,
        /// Bytes given.
        actual: u64,
    },
    /// An option is out of range (`min_score` not in 0–1 or NaN).
    #[error("invalid option: {0}")]
    InvalidOptions(&'static str),
    /// A network produced a value that is not a finite number (never stored).
    #[error("the {0} produced a non-finite value")]
    NotFinite(&'static str),
}

/// Refuses what the engine cannot work on, before any pixel is read.
pub fn check_image(image: &Image) -> Result<(), FaceError> {
    let (width, height) = (image.width, image.height);
    if width == 0 || height == 0 {
        return Err(FaceError::Empty { width, height });
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(FaceError::TooLarge {
            width,
            height,
            max: MAX_PIXELS,
        });
    }
    if image.rgb.len() as u64 != pixels * 3 {
        return Err(FaceError::BufferSize {
            expected: pixels * 3,
            actual: image.rgb.len() as u64,
        });
    }
    Ok(())
}

/// Cosine distance (1 − cosine similarity) of two descriptors, each
/// L2-normalised first; 1 when either is zero.
pub fn cosine_distance(a: &[f32; DESCRIPTOR_DIM], b: &[f32; DESCRIPTOR_DIM]) -> f32 {
    let (mut dot, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        dot += f64::from(x) * f64::from(y);
        aa += f64::from(x) * f64::from(x);
        bb += f64::from(y) * f64::from(y);
    }
    if aa == 0.0 || bb == 0.0 {
        return 1.0;
    }
    (1.0 - dot / (aa.sqrt() * bb.sqrt())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }

    #[test]
    fn empty_too_large_and_short_buffers_are_errors() {
        let engine = Engine::shared().unwrap();
        let opts = Options::default();
        let image = Image {
            width: 0,
            height: 10,
            rgb: &[],
        };
        assert!(matches!(
            engine.find_faces(&image, &opts),
            Err(FaceError::Empty { .. })
        ));
        let image = Image {
            width: 20_000,
            height: 6_000,
            rgb: &[],
        };
        assert!(matches!(
            engine.find_faces(&image, &opts),
            Err(FaceError::TooLarge { .. })
        ));
        let image = Image {
            width: 2,
            height: 2,
            rgb: &[0; 11],
        };
        assert!(matches!(
            engine.find_faces(&image, &opts),
            Err(FaceError::BufferSize { .. })
        ));
        let image = Image {
            width: 2,
            height: 2,
            rgb: &[0; 12],
        };
        let nan = Options {
            min_score: f32::NAN,
            ..Options::default()
        };
        assert!(matches!(
            engine.find_faces(&image, &nan),
            Err(FaceError::InvalidOptions(_))
        ));
    }

    #[test]
    fn cosine_distance_is_zero_for_one_direction_and_one_for_orthogonal_or_zero() {
        let mut a = [0f32; DESCRIPTOR_DIM];
        let mut b = [0f32; DESCRIPTOR_DIM];
        a[0] = 1.0;
        b[0] = 3.0;
        assert!(cosine_distance(&a, &b).abs() < 1e-6);
        b[0] = 0.0;
        b[1] = 2.0;
        assert!((cosine_distance(&a, &b) - 1.0).abs() < 1e-6);
        assert_eq!(cosine_distance(&a, &[0.0; DESCRIPTOR_DIM]), 1.0);
    }
}
