//! The repository contract, run against SQLite and (when configured)
//! Postgres: one module per aggregate, the shared builders here.

use std::time::Duration;

use time::OffsetDateTime;

use media_adapters::testing::{Store, World};
use media_core::domain::*;
use media_core::ids::*;
use media_core::listing::{Cursor, PhotoQuery, PhotoScope, listing_order};
use media_core::ports::{PhotoCreation, PhotoReset};
use media_core::timestamps::{from_micros, truncate_to_micros};

mod announcements;
mod archives;
mod content;
mod directory;
mod faces;
mod listings;
mod photos;
mod selfies;
mod suppressions;

pub fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

pub async fn world(store: &impl Store) -> World {
    World::create(store).await
}

pub fn new_photo(w: &World, taken_at: Option<OffsetDateTime>, created_at: OffsetDateTime) -> Photo {
    Photo {
        id: PhotoId::new(),
        project_id: w.project,
        photographer_id: w.photographer,
        status: PhotoStatus::AwaitingUpload,
        taken_at,
        width: None,
        height: None,
        created_at,
        upload_expires_at: created_at + Duration::from_secs(600),
        failure_reason: None,
        thumbnails_done: false,
        watermark_done: false,
        faces_done: false,
        original_etag: None,
        thumbhash: None,
        duplicate_of: None,
    }
}

pub fn new_selfie(user: UserId, created_at: OffsetDateTime) -> Selfie {
    Selfie {
        id: SelfieId::new(),
        user_id: user,
        key_timestamp_ms: (created_at.unix_timestamp_nanos() / 1_000_000) as i64,
        status: SelfieStatus::AwaitingUpload,
        rejection_reason: None,
        failure_reason: None,
        created_at,
        processed_at: None,
        upload_expires_at: created_at + Duration::from_secs(600),
        original_etag: None,
    }
}

/// A selfie of `user` issued at `t`, uploaded and approved with `embedding`.
pub async fn approved_selfie(
    store: &impl Store,
    user: UserId,
    embedding: &[f32],
    t: OffsetDateTime,
) -> SelfieId {
    let s = new_selfie(user, t);
    store.create_selfie(&s).await.unwrap();
    store
        .mark_selfie_uploaded(s.id, None, &[], t)
        .await
        .unwrap();
    store
        .approve_selfie(s.id, TEST_MODEL, embedding, &[], &[], t)
        .await
        .unwrap();
    s.id
}

/// A member of `project` who consented to biometric processing and whose
/// selfie (embedding `unit(0)`) is approved: the one who can be matched.
pub async fn consenting_member(
    store: &impl Store,
    project: ProjectId,
    t: OffsetDateTime,
) -> (UserId, SelfieId) {
    let user = UserId::new();
    store.join(project, user, &[], t).await.unwrap();
    store
        .grant_consent(user, ConsentPurpose::BiometricProcessing, t)
        .await
        .unwrap();
    (user, approved_selfie(store, user, &unit(0), t).await)
}

/// Records one member's matches the way `cluster_faces` does.
pub async fn record(
    store: &impl Store,
    project: ProjectId,
    user: UserId,
    selfie: SelfieId,
    matches: &[FaceMatch],
    through_seq: i64,
) {
    let found = MemberMatches {
        user_id: user,
        selfie_id: selfie,
        matches: matches.to_vec(),
    };
    store
        .record_matches(project, through_seq, &[found], false, &[], now())
        .await
        .unwrap();
}

/// The member's matching progress as `cluster_faces` reads it (None when
/// the user is not matchable in the project).
pub async fn progress(
    store: &impl Store,
    project: ProjectId,
    user: UserId,
) -> Option<(SelfieId, i64)> {
    store
        .matchable_members(project)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == user)
        .map(|m| (m.selfie_id, m.through_seq))
}

/// The model the contract tests' embeddings are labelled with.
pub const TEST_MODEL: &str = "retina-test-v1";

pub fn unit(i: usize) -> Vec<f32> {
    let mut v = vec![0.0; RETINA_EMBEDDING_DIM];
    v[i] = 1.0;
    v
}
