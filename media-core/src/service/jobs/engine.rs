//! The in-process face engine's step (SPEC §7a): it is handed the oriented
//! image the pipeline decoded — the normal path's one decode, or a decode
//! for the face step alone — runs on a blocking thread within the decode
//! budget, and what it returns is checked before anything is stored.

use crate::domain::{DetectedFace, FaceBox, FailureReason};
use crate::error::{Error, Result};
use crate::imaging::{self, FaceImage, RenderRequest};
use crate::keys::StorageKey;
use crate::matching::normalize;
use crate::ports::{FaceInput, Fetched};
use crate::service::Media;

/// An image the engine cannot use, or faces it found.
pub(super) type Seen = std::result::Result<Vec<DetectedFace>, FailureReason>;

impl Media {
    /// Whether the configured engine runs here, on decoded pixels.
    pub(super) fn engine_in_process(&self) -> bool {
        self.ports.embedder.is_configured() && self.ports.embedder.input() == FaceInput::Image
    }

    /// Bytes the face step adds to a decode of `info` (the engine's
    /// working memory on the face image), for the decode budget.
    pub(super) fn engine_memory(&self, info: &imaging::Probe) -> u64 {
        let (ow, oh) = info.oriented_size();
        let (w, h) = imaging::fit_size(ow, oh, imaging::FACE_IMAGE_EDGE);
        self.ports.embedder.working_memory(w, h)
    }

    /// The engine on `image`, on a blocking thread: faces at least
    /// `min_face_px` (in the original's pixels), boxes scaled back to the
    /// oriented original. A panic in the engine or a non-finite value it
    /// returns is a permanent error of this image: nothing is stored.
    pub(super) async fn faces_in(
        &self,
        image: FaceImage,
        min_face_px: f32,
    ) -> Result<Vec<DetectedFace>> {
        let embedder = self.ports.embedder.clone();
        let scale = image.scale.max(f32::MIN_POSITIVE);
        let min_px = (min_face_px / scale).floor().max(1.0) as u32;
        // A blocking thread does not inherit the task's span: carried over,
        // the engine's step spans are children of the job's.
        let span = tracing::Span::current();
        let found = tokio::task::spawn_blocking(move || {
            span.in_scope(|| embedder.faces_in_image(&image.image, min_px))
        })
        .await
        .map_err(|e| {
            let why = if e.is_panic() {
                "panicked"
            } else {
                "was cancelled"
            };
            tracing::error!(error = %e, "the face engine {why}");
            Error::permanent(format!("the face engine {why}"))
        })??;
        found.into_iter().map(|face| checked(face, scale)).collect()
    }

    /// Reads `key` (the version `etag`, at most `MAX_UPLOAD_BYTES`),
    /// decodes it oriented for the face step within the decode budget, and
    /// runs the engine: a selfie, a `--step faces` reprocess, or a photo
    /// whose derivatives exist. `Ok(Err(reason))` when the image is unusable.
    pub(super) async fn faces_of_object(
        &self,
        key: &StorageKey,
        etag: Option<&str>,
        min_face_px: f32,
    ) -> Result<Seen> {
        let limit = self.settings.max_upload_bytes;
        let bytes = match self
            .ports
            .storage
            .get(key, etag.map(str::to_owned), limit)
            .await
        {
            Err(Error::NotFound) => return Ok(Err(imaging::ImageError::Empty.reason())),
            Err(e) => return Err(e),
            Ok(Fetched::Bytes(bytes)) => bytes,
            Ok(Fetched::Changed) => return Ok(Err(FailureReason::UploadChanged)),
            Ok(Fetched::TooLarge(bytes)) => {
                return Ok(Err(imaging::ImageError::TooLarge { bytes, limit }.reason()));
            }
        };
        let limits = self.limits();
        let info = match imaging::probe(&bytes, limits) {
            Ok(info) => info,
            Err(e) => return Ok(Err(e.reason())),
        };
        let nothing = RenderRequest {
            thumbnails: false,
            watermark: None,
        };
        let cost = imaging::decode_cost_keeping(&info, &nothing, true) + self.engine_memory(&info);
        let _held = self.hold_decode_budget(cost).await?;
        let decoded = tokio::task::spawn_blocking(move || {
            imaging::render_keeping_faces(&bytes, info, &nothing, limits)
        })
        .await
        .map_err(|e| Error::permanent(format!("image pipeline crashed: {e}")))?;
        let image = match decoded.map(|r| r.face_image) {
            Ok(Some(image)) => image,
            Ok(None) => return Ok(Err(imaging::ImageError::Empty.reason())),
            Err(e) => return Ok(Err(e.reason())),
        };
        Ok(Ok(self.faces_in(image, min_face_px).await?))
    }
}

/// One face as the engine returned it, in the original's pixels with a
/// unit-length embedding, or why nothing of this image may be stored.
fn checked(mut face: DetectedFace, scale: f32) -> Result<DetectedFace> {
    let b = face.bbox;
    let finite = [b.x, b.y, b.width, b.height, face.score]
        .iter()
        .chain(&face.embedding)
        .all(|v| v.is_finite());
    if !finite || face.embedding.is_empty() {
        return Err(Error::permanent(
            "the face engine returned a non-finite value",
        ));
    }
    normalize(&mut face.embedding);
    if !face.embedding.iter().any(|v| *v != 0.0) {
        return Err(Error::permanent(
            "the face engine returned an empty embedding",
        ));
    }
    face.bbox = FaceBox {
        x: b.x * scale,
        y: b.y * scale,
        width: b.width * scale,
        height: b.height * scale,
    };
    Ok(face)
}
