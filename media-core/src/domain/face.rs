use time::OffsetDateTime;

use crate::ids::{PhotoId, ProjectId, SelfieId, UserId};

/// Embedding dimension of Retina's model.
pub const EMBEDDING_DIM: usize = 512;

/// A face box in pixels of the image Retina was given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl FaceBox {
    pub fn shorter_side(&self) -> f32 {
        self.width.min(self.height)
    }
}

/// One face as Retina returned it; the embedding is L2-normalised, 512 long.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedFace {
    pub bbox: FaceBox,
    pub score: f32,
    pub embedding: Vec<f32>,
}

/// A stored face of a photo. `seq` grows with every face stored in the
/// database, so matching can resume "after the last face compared".
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFace {
    pub seq: i64,
    pub photo_id: PhotoId,
    pub embedding: Vec<f32>,
}

/// A user found in a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceMatch {
    pub user_id: UserId,
    pub project_id: ProjectId,
    pub photo_id: PhotoId,
    pub distance: f32,
}

/// A member's approved selfie, with how far it has been compared with the
/// project's faces (the last face `seq`; 0 when never).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSelfie {
    pub user_id: UserId,
    pub selfie_id: SelfieId,
    pub embedding: Vec<f32>,
    pub through_seq: i64,
}

/// What one pass of `cluster_faces` found for one member's selfie.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberMatches {
    pub user_id: UserId,
    pub selfie_id: SelfieId,
    pub matches: Vec<FaceMatch>,
}

/// A match with what my-photos shows of the photo.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedPhoto {
    pub photo_id: PhotoId,
    pub project_id: ProjectId,
    pub taken_at: Option<OffsetDateTime>,
    pub distance: f32,
    pub thumbnails_done: bool,
    pub watermark_done: bool,
}
