use async_trait::async_trait;

use crate::domain::DetectedFace;
use crate::error::{Error, Result};
use crate::imaging::RgbImage;

/// How a face engine is shown an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceInput {
    /// It fetches the stored object itself through a presigned GET
    /// ([`FaceEmbedder::detect_faces`]): Retina.
    Url,
    /// It runs in process on the oriented sRGB pixels the pipeline already
    /// decoded ([`FaceEmbedder::faces_in_image`]): the built-in engine.
    Image,
}

/// A face engine: faces with L2-normalised embeddings, each naming its
/// model. Retina fetches the image behind a (presigned) URL; the built-in
/// engine is handed the decoded image. A refused image is
/// `Error::Permanent`; timeouts, 429 and 5xx are `Error::Unavailable`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FaceEmbedder: Send + Sync {
    /// False when no face engine is configured (`FACE_ENGINE=off`): face
    /// work then waits.
    fn is_configured(&self) -> bool;
    /// How it is shown an image; the core asks only when it is configured.
    fn input(&self) -> FaceInput {
        FaceInput::Url
    }
    /// The model its embeddings are made with, when known before a call
    /// (the built-in engine's); Retina names its model in each answer.
    fn model(&self) -> Option<String> {
        None
    }
    /// Whether a stored embedding of `model` stays while this engine runs:
    /// false when this engine makes another model's, and `reprocess --step
    /// faces` re-describes it.
    fn keeps(&self, model: &str) -> bool {
        let _ = model;
        true
    }
    /// Every face Retina finds in the image at `image_url` (a presigned GET
    /// valid 900 s), with unit-length embeddings, whatever their score: the
    /// core applies the score and size rules.
    async fn detect_faces(&self, image_url: &str) -> Result<Vec<DetectedFace>>;
    /// Every face at least `min_face_px` on its shorter side in `image`
    /// (oriented, sRGB), boxes in its pixels, unit-length finite embeddings,
    /// whatever their score. CPU-bound: the core calls it on a blocking
    /// thread, within the decode budget.
    fn faces_in_image(&self, image: &RgbImage, min_face_px: u32) -> Result<Vec<DetectedFace>> {
        let _ = (image, min_face_px);
        Err(Error::invalid("this face engine reads images by URL"))
    }
    /// Bytes [`faces_in_image`](Self::faces_in_image) holds at its peak on
    /// a `width` × `height` image, beyond the image and the shared weights:
    /// counted against the decode budget with the decode.
    fn working_memory(&self, width: u32, height: u32) -> u64 {
        let _ = (width, height);
        0
    }
}
