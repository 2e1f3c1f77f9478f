use time::OffsetDateTime;

use crate::ids::{PhotoId, ProjectId, SelfieId, UserId};

/// Embedding dimension of Retina's models: its adapter refuses any other.
/// Other engines have their own (the built-in engine's is 128): matching
/// works on any length and compares only embeddings of one model.
pub const RETINA_EMBEDDING_DIM: usize = 512;

/// The model recorded for the embeddings stored before models were recorded
/// (all Retina's): the default of the `model` columns (migration
/// 20261207000001, decision 0029).
pub const LEGACY_RETINA_MODEL: &str = "retina";

/// A face box in pixels of the image Retina was given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl FaceBox {
    /// The box's shorter side: what the minimum face sizes (40 px in photos,
    /// 80 px in selfies) are compared with.
    pub fn shorter_side(&self) -> f32 {
        self.width.min(self.height)
    }
}

/// One face as a face engine found it; the embedding is L2-normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedFace {
    /// Where the face is, in pixels of the image the engine was shown
    /// (the oriented original for Retina; the core scales the built-in
    /// engine's boxes back to the oriented original's pixels).
    pub bbox: FaceBox,
    /// The engine's confidence that this is a face, 0–1.
    pub score: f32,
    /// The face's embedding (unit length; [`RETINA_EMBEDDING_DIM`] floats
    /// from Retina, 128 from the built-in engine).
    pub embedding: Vec<f32>,
    /// The model that made the embedding: embeddings of two models are
    /// never compared (SPEC §7a).
    pub model: String,
}

/// A stored face of a photo. `seq` grows with every face stored in the
/// database, so matching can resume "after the last face compared".
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFace {
    /// Per-project sequence number, increasing in commit order.
    pub seq: i64,
    /// The photo the face is in.
    pub photo_id: PhotoId,
    /// Unit-length embedding.
    pub embedding: Vec<f32>,
    /// The model that made it.
    pub model: String,
}

/// A user found in a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceMatch {
    /// Who was found.
    pub user_id: UserId,
    /// The photo's project.
    pub project_id: ProjectId,
    /// Where they were found.
    pub photo_id: PhotoId,
    /// Cosine distance (1 − similarity) between the selfie and the face; smaller is closer.
    pub distance: f32,
}

/// A member's approved selfie, with how far it has been compared with the
/// project's faces (the last face `seq`; 0 when never).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSelfie {
    /// The member.
    pub user_id: UserId,
    /// Their approved selfie: matches are recorded only while it stays approved.
    pub selfie_id: SelfieId,
    /// The selfie's unit-length embedding.
    pub embedding: Vec<f32>,
    /// The model that made it: only faces of this model are compared with it.
    pub model: String,
    /// The last face `seq` already compared with this selfie.
    pub through_seq: i64,
}

/// What one pass of `cluster_faces` found for one member's selfie.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberMatches {
    /// The member.
    pub user_id: UserId,
    /// The selfie compared: the matches are dropped if it is no longer the approved one.
    pub selfie_id: SelfieId,
    /// Faces within the match threshold, at most one per photo.
    pub matches: Vec<FaceMatch>,
}

/// A match with what my-photos shows of the photo.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedPhoto {
    /// The photo.
    pub photo_id: PhotoId,
    /// Its project.
    pub project_id: ProjectId,
    /// When it was taken (EXIF), if known.
    pub taken_at: Option<OffsetDateTime>,
    /// Cosine distance of the best face of the photo.
    pub distance: f32,
    /// Whether `thumbnailUrl`s can be issued.
    pub thumbnails_done: bool,
    /// Whether `watermarkedUrl` can be issued.
    pub watermark_done: bool,
    /// The ThumbHash of its 400 px thumbnail, once made.
    pub thumbhash: Option<Vec<u8>>,
}
