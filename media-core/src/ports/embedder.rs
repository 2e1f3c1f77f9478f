use async_trait::async_trait;

use crate::domain::DetectedFace;
use crate::error::Result;

/// The face service (Retina): faces with L2-normalised 512-dim embeddings for
/// the image behind a (presigned) URL. A refused image is `Error::Permanent`;
/// timeouts, 429 and 5xx are `Error::Unavailable`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FaceEmbedder: Send + Sync {
    /// False when no face service is configured: face work then waits.
    fn is_configured(&self) -> bool;
    /// Every face Retina finds in the image at `image_url` (a presigned GET
    /// valid 900 s), with unit-length embeddings, whatever their score: the
    /// core applies the score and size rules.
    async fn detect_faces(&self, image_url: &str) -> Result<Vec<DetectedFace>>;
}
