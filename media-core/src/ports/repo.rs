//! The repository ports, one per aggregate. A method that changes state takes
//! the jobs that change causes and commits both in one transaction.
//!
//! Contract for every implementation:
//! - absence is `Ok(None)`, `Ok(false)` or an empty list, never
//!   [`Error::NotFound`](crate::Error::NotFound);
//! - a database that cannot be reached (or a deadlock, a serialization
//!   failure) is [`Error::Unavailable`](crate::Error::Unavailable): the core
//!   answers 503 or retries the job; anything else unexpected (a row that
//!   does not parse, a violated constraint) is
//!   [`Error::Permanent`](crate::Error::Permanent);
//! - status changes are guarded updates with the statuses the core hands
//!   over (a [`Transition`](crate::domain::Transition)): a row in any other
//!   status is left alone and the method says so (`false`);
//! - times come from the caller (`now`), never from the database's clock.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::PhotoStatus;
use crate::domain::{
    Consent, ConsentPurpose, FaceMatch, FailureReason, JobPayload, MatchedPhoto, MemberMatches,
    MemberSelfie, Operator, Photo, PhotoFace, PhotoListing, PhotoMetadata, Photographer, Project,
    ProjectStats, Selfie,
};

use crate::error::Result;
use crate::ids::{OperatorId, PhotoId, PhotographerId, ProjectId, SelfieId, UserId};
use crate::listing::PhotoQuery;

/// What [`PhotoRepo::create_photo_if_assigned`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoCreation {
    /// The row exists now.
    Created,
    /// The photographer is not assigned to the project: nothing was written.
    NotAssigned,
}

/// Which done-flags [`PhotoRepo::reset_photo`] clears, for `reprocess`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotoReset {
    /// The thumbnails (rendered again).
    pub thumbnails: bool,
    /// The watermarked copy.
    pub watermark: bool,
    /// The faces (detected again).
    pub faces: bool,
}

/// Operators, photographers, projects, assignments and memberships. In the
/// platform these rows come from other services; `media-cli directory` writes them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DirectoryRepo: Send + Sync {
    /// The project, if it exists.
    async fn project(&self, id: ProjectId) -> Result<Option<Project>>;
    /// Whether the photographer may upload to the project.
    async fn is_assigned(&self, project: ProjectId, photographer: PhotographerId) -> Result<bool>;
    /// Whether the user joined the project.
    async fn is_member(&self, project: ProjectId, user: UserId) -> Result<bool>;
    /// The projects the user joined.
    async fn projects_of_user(&self, user: UserId) -> Result<Vec<ProjectId>>;

    /// Inserts the row unless its id exists (then nothing changes); true
    /// when inserted. Whether an existing row conflicts is the core's rule.
    async fn insert_operator(&self, operator: &Operator) -> Result<bool>;
    /// As [`DirectoryRepo::insert_operator`].
    async fn insert_photographer(&self, photographer: &Photographer) -> Result<bool>;
    /// As [`DirectoryRepo::insert_operator`].
    async fn insert_project(&self, project: &Project) -> Result<bool>;
    /// The operator, if it exists.
    async fn operator(&self, id: OperatorId) -> Result<Option<Operator>>;
    /// The photographer, if it exists.
    async fn photographer(&self, id: PhotographerId) -> Result<Option<Photographer>>;
    /// Assigns the photographer to the project (idempotent).
    async fn assign(&self, project: ProjectId, photographer: PhotographerId) -> Result<()>;
    /// Adds the member (idempotent) and enqueues `jobs` when the row is new.
    async fn join(
        &self,
        project: ProjectId,
        user: UserId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Whether the operator exists.
    async fn operator_exists(&self, id: OperatorId) -> Result<bool>;
    /// Whether the photographer exists.
    async fn photographer_exists(&self, id: PhotographerId) -> Result<bool>;
    /// The project's figures (SPEC §3.13c), each an indexed count of the
    /// project's rows, never a scan of a whole table; the oldest job is the
    /// project's `queued` job due longest at `now` (jobs record their
    /// project, [`JobPayload::project_id`]).
    async fn project_stats(&self, project: ProjectId, now: OffsetDateTime) -> Result<ProjectStats>;
}

/// Photos: rows, statuses, listings.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PhotoRepo: Send + Sync {
    /// Creates the photo only while its photographer is assigned to its
    /// project, checked in the same statement (nothing written when not).
    /// One round trip: the hot path of the upload-url routes (decision 0006).
    async fn create_photo_if_assigned(&self, photo: &Photo) -> Result<PhotoCreation>;
    /// The photo, if its row exists.
    async fn photo(&self, id: PhotoId) -> Result<Option<Photo>>;
    /// Up to `query.limit` photos in listing order, after the cursor.
    async fn list_photos(&self, query: &PhotoQuery) -> Result<Vec<PhotoListing>>;
    /// [`PhotoStatus::UPLOAD_ARRIVED`] with `jobs`, once, recording the
    /// original's `etag`. True if this call moved it.
    async fn mark_photo_uploaded(
        &self,
        id: PhotoId,
        etag: Option<String>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Thumbnails are in the store: [`PhotoStatus::DERIVATIVE_RECORDED`] (ready
    /// once the watermark is recorded too). False when the photo is gone
    /// (deleted meanwhile) or in a status the transition does not apply to.
    /// When this record makes the photo [`PhotoStatus::BECAME_READY`] (the
    /// other derivative was there), `on_ready` is enqueued in the same
    /// transaction — once per photo, however the two jobs interleave.
    async fn record_thumbnails(
        &self,
        id: PhotoId,
        meta: &PhotoMetadata,
        on_ready: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Like `record_thumbnails`, for the watermarked copy.
    async fn record_watermark(
        &self,
        id: PhotoId,
        on_ready: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// [`PhotoStatus::FAILED`] with the reason, enqueuing `jobs` when it
    /// applied. False when the photo was not in a status that may fail.
    async fn fail_photo(
        &self,
        id: PhotoId,
        reason: FailureReason,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Records the original's SHA-256 (hex) for the photo, unless another
    /// photo of the project holds it: then that photo, and nothing changed.
    /// Two photos recording the same bytes at once: one wins, the other is
    /// `Unavailable` and its job's retry finds the winner.
    async fn record_content(
        &self,
        id: PhotoId,
        project: ProjectId,
        sha256: &str,
    ) -> Result<Option<PhotoId>>;
    /// The project's photo whose original has this SHA-256 (hex), if any.
    async fn photo_with_content(&self, project: ProjectId, sha256: &str)
    -> Result<Option<PhotoId>>;
    /// [`PhotoStatus::FAILED`] as [`FailureReason::Duplicate`] of `of`,
    /// enqueuing `jobs` (the purge of its objects) in the same transaction.
    /// False when the photo was not in a status that may fail.
    async fn fail_as_duplicate(
        &self,
        id: PhotoId,
        of: PhotoId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Clears the given done-flags and enqueues `jobs`, for `reprocess`; with
    /// thumbnails or watermark cleared, [`PhotoStatus::REPROCESSED`] too.
    async fn reset_photo(
        &self,
        id: PhotoId,
        reset: PhotoReset,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Removes the row, its faces and matches, and enqueues `jobs` (the purge).
    async fn delete_photo(
        &self,
        id: PhotoId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Photos still `awaiting_upload` whose URL was issued before
    /// `issued_before`, in `(created_at, id)` order, after `after` when given.
    async fn pending_photo_uploads(
        &self,
        issued_before: OffsetDateTime,
        after: Option<(OffsetDateTime, PhotoId)>,
        limit: u32,
    ) -> Result<Vec<Photo>>;
    /// [`PhotoStatus::EXPIRED`].
    async fn expire_photo(&self, id: PhotoId) -> Result<()>;
    /// Photos `expired` whose URL expired before `before`.
    async fn expired_photos(&self, before: OffsetDateTime) -> Result<Vec<Photo>>;
    /// Every photo of the project, any status.
    async fn photos_of_project(&self, project: ProjectId) -> Result<Vec<PhotoId>>;
    /// Up to `limit` photos in `status`, in id order after `after` (the auditor's scan).
    async fn photos_with_status(
        &self,
        status: PhotoStatus,
        after: Option<PhotoId>,
        limit: u32,
    ) -> Result<Vec<Photo>>;
    /// Every `failed` photo (`reprocess --failed`).
    async fn failed_photos(&self) -> Result<Vec<PhotoId>>;
}

/// Selfies and everything biometric about a user.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SelfieRepo: Send + Sync {
    /// Inserts the row of a selfie whose upload URL was just issued.
    async fn create_selfie(&self, selfie: &Selfie) -> Result<()>;
    /// The selfie, if its row exists.
    async fn selfie(&self, id: SelfieId) -> Result<Option<Selfie>>;
    /// The selfie stored under [`keys::selfie`](crate::keys::selfie)`(user, timestamp_ms)`.
    async fn selfie_by_key(&self, user: UserId, timestamp_ms: i64) -> Result<Option<Selfie>>;
    /// The newest selfie of the user, whatever its status.
    async fn latest_selfie(&self, user: UserId) -> Result<Option<Selfie>>;
    /// Every selfie row of the user.
    async fn selfies_of(&self, user: UserId) -> Result<Vec<Selfie>>;
    /// The embedding of the user's approved selfie.
    async fn approved_embedding(&self, user: UserId) -> Result<Option<(SelfieId, Vec<f32>)>>;
    /// [`SelfieStatus::UPLOAD_ARRIVED`](crate::domain::SelfieStatus::UPLOAD_ARRIVED) with `jobs`, once,
    /// recording the object's `etag`. True if this call moved it.
    async fn mark_selfie_uploaded(
        &self,
        id: SelfieId,
        etag: Option<String>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// [`SelfieStatus::APPROVED`](crate::domain::SelfieStatus::APPROVED) with the
    /// embedding and the model that made it; removes the `superseded` selfies with the user's matches,
    /// matching progress and archives; enqueues `jobs` and
    /// [`JobPayload::archives_purge`] of the archives it deleted. False when the selfie was not
    /// processing any more (erased meanwhile): nothing changes then.
    async fn approve_selfie(
        &self,
        id: SelfieId,
        model: &str,
        embedding: &[f32],
        superseded: &[SelfieId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// [`SelfieStatus::REJECTED`](crate::domain::SelfieStatus::REJECTED) with
    /// the reason, enqueuing `jobs` when it applied (false when it did not).
    async fn reject_selfie(
        &self,
        id: SelfieId,
        reason: crate::domain::RejectionReason,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// [`SelfieStatus::FAILED`](crate::domain::SelfieStatus::FAILED) with the
    /// reason, enqueuing `jobs` when it applied (false when it did not).
    async fn fail_selfie(
        &self,
        id: SelfieId,
        reason: FailureReason,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Like [`PhotoRepo::pending_photo_uploads`], for selfies.
    async fn pending_selfie_uploads(
        &self,
        issued_before: OffsetDateTime,
        after: Option<(OffsetDateTime, SelfieId)>,
        limit: u32,
    ) -> Result<Vec<Selfie>>;
    /// [`SelfieStatus::EXPIRED`](crate::domain::SelfieStatus::EXPIRED).
    async fn expire_selfie(&self, id: SelfieId) -> Result<()>;
    /// Every user with a selfie row, a match, a suppression or matching progress.
    async fn users_with_biometrics(&self) -> Result<Vec<UserId>>;
    /// [`SelfieStatus::REDESCRIBED`](crate::domain::SelfieStatus::REDESCRIBED),
    /// its matching progress deleted (compared again with every face), `jobs`
    /// enqueued. False when the selfie is gone or not approved.
    async fn redescribe_selfie(
        &self,
        id: SelfieId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// [`SelfieStatus::RETRIED`](crate::domain::SelfieStatus::RETRIED): failure reason and processing time cleared.
    /// False when the selfie is gone or not failed.
    async fn revive_selfie(&self, id: SelfieId) -> Result<bool>;

    /// Deletes the user's selfie rows issued up to `through_ms` (their key
    /// timestamp), every embedding, match, suppression, archive and matching progress of the user
    /// (and revokes the consent when `revoke` is set), enqueuing `jobs`, in
    /// one transaction. A selfie issued after `through_ms` is untouched.
    /// `jobs` are enqueued only when a selfie or archive row was deleted:
    /// with nothing left to erase there is nothing to purge, so erasures
    /// repeated in a loop queue nothing (issue 26).
    async fn erase_biometrics(
        &self,
        user: UserId,
        revoke: Option<ConsentPurpose>,
        through_ms: i64,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()>;
}

/// A user's consents (SPEC §3.12). Revocation goes through
/// [`SelfieRepo::erase_biometrics`], which revokes and erases in one transaction.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConsentRepo: Send + Sync {
    /// The user's active consents.
    async fn consents(&self, user: UserId) -> Result<Vec<Consent>>;
    /// Whether the user has an active consent for `purpose`.
    async fn has_consent(&self, user: UserId, purpose: ConsentPurpose) -> Result<bool>;
    /// Idempotent: an active consent keeps its first grant time.
    async fn grant_consent(
        &self,
        user: UserId,
        purpose: ConsentPurpose,
        now: OffsetDateTime,
    ) -> Result<()>;
}

/// Faces of photos, matches, and per-(project, user) matching progress.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FaceRepo: Send + Sync {
    /// Stores the photo's faces (replacing any), each embedding made by
    /// `model`, marks its faces done, and enqueues `jobs`. Face sequence
    /// numbers grow in commit order per project.
    async fn store_faces(
        &self,
        photo: PhotoId,
        model: &str,
        embeddings: &[Vec<f32>],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()>;
    /// Faces of the project with `seq > after`, in `seq` order.
    async fn faces_after(
        &self,
        project: ProjectId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PhotoFace>>;
    /// Members of the project with an approved selfie (and so biometric
    /// consent), each with its progress in this project.
    async fn matchable_members(&self, project: ProjectId) -> Result<Vec<MemberSelfie>>;
    /// For each member: upserts the matches (a closer face replaces a
    /// farther one for the same photo) and moves the progress of that selfie
    /// to `through_seq` (never backwards), all in one transaction — skipping
    /// a member whose `selfie_id` is no longer their approved selfie, and
    /// never a (user, photo) the user suppressed ([`FaceRepo::suppress_match`]).
    ///
    /// A new (user, photo) match is owed a `matches.added` when `announce`
    /// is set ([`FaceRepo::unannounced_matches`]); `jobs` (the members'
    /// debounced notices) are enqueued in the same transaction.
    async fn record_matches(
        &self,
        project: ProjectId,
        through_seq: i64,
        found: &[MemberMatches],
        announce: bool,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()>;
    /// The photos matched to the user in the project that no
    /// `matches.added` announced yet.
    async fn unannounced_matches(&self, project: ProjectId, user: UserId) -> Result<Vec<PhotoId>>;
    /// Marks exactly these matches announced and enqueues `jobs` (the
    /// event), in one transaction; false, and nothing changed, when one of
    /// them is no longer unannounced (a concurrent notice, a "not me").
    async fn announce_matches(
        &self,
        project: ProjectId,
        user: UserId,
        photos: &[PhotoId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// "Not me": removes the user's match of `photo` in `project` and keeps
    /// the pair suppressed, so no later matching (another selfie, a
    /// reprocess) brings it back, in one transaction ordered with
    /// `record_matches` for that user. False, and nothing changed, when the
    /// user had no such match.
    async fn suppress_match(
        &self,
        project: ProjectId,
        user: UserId,
        photo: PhotoId,
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// The user's matched photos in the project, in photo listing order.
    async fn matched_photos(&self, project: ProjectId, user: UserId) -> Result<Vec<MatchedPhoto>>;
    /// Every match of the user, in any project (the auditor's check).
    async fn matches_of_user(&self, user: UserId) -> Result<Vec<FaceMatch>>;
}
