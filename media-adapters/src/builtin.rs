//! The built-in face engine (SPEC §7a) behind the [`FaceEmbedder`] port:
//! `media-faces` in process, on the oriented image the pipeline decoded.

use async_trait::async_trait;

use media_core::domain::{DetectedFace, FaceBox};
use media_core::error::{Error, Result};
use media_core::imaging::RgbImage;
use media_core::matching::normalize;
use media_core::ports::{FaceEmbedder, FaceInput};

/// The model the built-in engine's embeddings are recorded with.
pub const MODEL: &str = media_faces::MODEL;

/// `FACE_ENGINE=builtin`: the process's one [`media_faces::Engine`], its
/// weights loaded and checked once, at start for the server
/// ([`BuiltinEngine::load`]) and on first use for the CLI
/// ([`BuiltinEngine::lazy`]).
#[derive(Clone, Copy)]
pub struct BuiltinEngine {
    _private: (),
}

impl std::fmt::Debug for BuiltinEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinEngine")
            .field("model", &media_faces::MODEL)
            .finish()
    }
}

/// Bytes the engine holds on one image beyond the image and the shared
/// weights, for the decode budget. Measured (`cargo bench -p media-faces
/// --bench memory`, BENCHMARKS.md "Built-in face engine"): 35.0 MiB at its
/// peak whatever the image — a 720 × 1280 selfie, a 1920 px photo, a
/// 3000 × 2000 and a 6000 × 4000 group photo of 22 faces alike, within
/// 1.2 KB: the engine reads the caller's pixels in place, its largest
/// buffers are the SSD's feature maps at 512 × 512, and faces are described
/// one after the other. 48 MiB: the peak and 37 % for the allocator's own
/// overhead and growth not seen on these photos.
const WORKING_MEMORY: u64 = 48 << 20;

impl BuiltinEngine {
    /// The shared engine, loading and checking the vendored weights now
    /// (if no one has): a corrupted build fails here, when the process
    /// starts.
    pub fn load() -> std::result::Result<Self, media_faces::LoadError> {
        media_faces::Engine::shared()?;
        Ok(Self { _private: () })
    }

    /// The shared engine, its weights loaded on the first image: for the
    /// CLI, whose commands but `faces run` never run it (loading and
    /// checking 12.6 MB of weights took most of a `jobs list`).
    pub fn lazy() -> Self {
        Self { _private: () }
    }

    fn engine(&self) -> Result<&'static media_faces::Engine> {
        media_faces::Engine::shared()
            .map_err(|e| Error::permanent(format!("the face engine did not load: {e}")))
    }
}

#[async_trait]
impl FaceEmbedder for BuiltinEngine {
    fn is_configured(&self) -> bool {
        true
    }

    fn input(&self) -> FaceInput {
        FaceInput::Image
    }

    fn model(&self) -> Option<String> {
        Some(media_faces::MODEL.to_owned())
    }

    fn keeps(&self, model: &str) -> bool {
        model == MODEL
    }

    async fn detect_faces(&self, _image_url: &str) -> Result<Vec<DetectedFace>> {
        Err(Error::invalid(
            "the built-in face engine is given decoded images, not URLs",
        ))
    }

    fn faces_in_image(&self, image: &RgbImage, min_face_px: u32) -> Result<Vec<DetectedFace>> {
        let input = media_faces::Image {
            width: image.width(),
            height: image.height(),
            rgb: image.pixels(),
        };
        let options = media_faces::Options {
            min_face_px,
            ..media_faces::Options::default()
        };
        let span = tracing::info_span!(
            "face_engine",
            width = image.width(),
            height = image.height(),
            faces = tracing::field::Empty,
        );
        let _entered = span.enter();
        let found = self
            .engine()?
            .find_faces(&input, &options)
            .map_err(|e| Error::permanent(format!("face engine: {e}")))?;
        span.record("faces", found.faces.len());
        crate::observe::face_engine(&found.timings);
        Ok(found
            .faces
            .into_iter()
            .map(|face| {
                let mut embedding = face.descriptor.to_vec();
                normalize(&mut embedding);
                DetectedFace {
                    bbox: FaceBox {
                        x: face.bbox[0],
                        y: face.bbox[1],
                        width: face.bbox[2],
                        height: face.bbox[3],
                    },
                    score: face.score,
                    embedding,
                    model: media_faces::MODEL.to_owned(),
                }
            })
            .collect())
    }

    fn working_memory(&self, _width: u32, _height: u32) -> u64 {
        WORKING_MEMORY
    }
}
