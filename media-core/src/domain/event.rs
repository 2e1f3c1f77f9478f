//! Events to the platform (SPEC §9): what happened, for the platform to
//! tell people (SMS, push, e-mail). Ids, statuses and reasons only — never a
//! URL, an embedding or an image byte.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::wire::wire_enum;
use super::{FailureReason, Photo, RejectionReason, Selfie};
use crate::ids::{EventId, PhotoId, PhotographerId, ProjectId, SelfieId, UserId};

/// One event: its id (the `webhook-id`), when it happened, and what.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event {
    /// Stable across delivery attempts.
    pub id: EventId,
    /// When the change that caused it committed (the body's `timestamp`).
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// Its type and data.
    pub data: EventData,
}

/// An event's type (the body's `type`) and its `data`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[non_exhaustive]
pub enum EventData {
    /// Thumbnails and watermark exist: the photo is in the galleries.
    #[serde(rename = "photo.ready", rename_all = "camelCase")]
    PhotoReady {
        /// The photo.
        photo_id: PhotoId,
        /// Its project.
        project_id: ProjectId,
        /// Who uploaded it.
        photographer_id: PhotographerId,
        /// Always null here; present so both photo events have one shape.
        failure_reason: Option<FailureReason>,
    },
    /// Processing ended for good.
    #[serde(rename = "photo.failed", rename_all = "camelCase")]
    PhotoFailed {
        /// The photo.
        photo_id: PhotoId,
        /// Its project.
        project_id: ProjectId,
        /// Who uploaded it.
        photographer_id: PhotographerId,
        /// Why.
        failure_reason: Option<FailureReason>,
        /// For `duplicate`: the project's photo with the same bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duplicate_of: Option<PhotoId>,
    },
    /// The selfie has one good face; matching starts.
    #[serde(rename = "selfie.approved", rename_all = "camelCase")]
    SelfieApproved {
        /// The selfie.
        selfie_id: SelfieId,
        /// Whose.
        user_id: UserId,
        /// Always null here.
        reason: Option<RejectionReason>,
    },
    /// The face service found no usable face (`reason`: `no_face`, …).
    #[serde(rename = "selfie.rejected", rename_all = "camelCase")]
    SelfieRejected {
        /// The selfie.
        selfie_id: SelfieId,
        /// Whose.
        user_id: UserId,
        /// Why.
        reason: Option<RejectionReason>,
    },
    /// Processing ended for good (`reason`: a failure reason).
    #[serde(rename = "selfie.failed", rename_all = "camelCase")]
    SelfieFailed {
        /// The selfie.
        selfie_id: SelfieId,
        /// Whose.
        user_id: UserId,
        /// Why.
        reason: Option<FailureReason>,
    },
    /// Photos matched to the user in the project since the last such event
    /// (debounced: at most one per `MATCH_NOTIFY_DEBOUNCE_SECONDS`).
    #[serde(rename = "matches.added", rename_all = "camelCase")]
    MatchesAdded {
        /// Who was found.
        user_id: UserId,
        /// Where.
        project_id: ProjectId,
        /// The photos, in no particular order.
        photo_ids: Vec<PhotoId>,
        /// `photo_ids.len()`.
        count: u32,
    },
    /// The purge after a selfie deletion or a consent revocation finished:
    /// the platform's proof for a data-subject request.
    #[serde(rename = "erasure.completed", rename_all = "camelCase")]
    ErasureCompleted {
        /// Whose data.
        user_id: UserId,
        /// `selfie_deleted` or `consent_revoked`.
        cause: ErasureCause,
        /// What was erased: `selfies`, `embeddings`, `matches`,
        /// `suppressions`, `archives` (and `consent` on revocation).
        erased: Vec<String>,
        /// When the erasure was asked for: what existed then is gone.
        #[serde(with = "time::serde::rfc3339")]
        requested_at: OffsetDateTime,
    },
}

wire_enum! {
    /// Why a user's biometric data was erased.
    #[non_exhaustive]
    pub enum ErasureCause {
        /// `DELETE /v1/selfie`.
        SelfieDeleted = "selfie_deleted",
        /// `DELETE /v1/me/consents/biometric_processing`.
        ConsentRevoked = "consent_revoked",
    }
}

/// What an erasure's purge announces once it finished, carried by the
/// purge job (so the event is written in the transaction that completes it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ErasureNotice {
    /// The event's id, chosen when the erasure was asked for.
    pub event_id: EventId,
    /// Whose data.
    pub user_id: UserId,
    /// Why.
    pub cause: ErasureCause,
    /// When it was asked for.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

impl ErasureNotice {
    /// The event, at `now` (the purge's end).
    pub fn event(&self, now: OffsetDateTime) -> Event {
        let mut erased = vec![
            "selfies",
            "embeddings",
            "matches",
            "suppressions",
            "archives",
        ];
        if self.cause == ErasureCause::ConsentRevoked {
            erased.push("consent");
        }
        Event {
            id: self.event_id,
            timestamp: now,
            data: EventData::ErasureCompleted {
                user_id: self.user_id,
                cause: self.cause,
                erased: erased.into_iter().map(str::to_owned).collect(),
                requested_at: self.requested_at,
            },
        }
    }
}

impl Event {
    /// A new event (fresh id) at `now`.
    pub fn new(data: EventData, now: OffsetDateTime) -> Self {
        Self {
            id: EventId::new(),
            timestamp: now,
            data,
        }
    }

    /// `photo.ready` for `photo`.
    pub fn photo_ready(photo: &Photo, now: OffsetDateTime) -> Self {
        Self::new(
            EventData::PhotoReady {
                photo_id: photo.id,
                project_id: photo.project_id,
                photographer_id: photo.photographer_id,
                failure_reason: None,
            },
            now,
        )
    }

    /// `photo.failed` for `photo`, failed with `reason`.
    pub fn photo_failed(
        photo: &Photo,
        reason: FailureReason,
        duplicate_of: Option<PhotoId>,
        now: OffsetDateTime,
    ) -> Self {
        Self::new(
            EventData::PhotoFailed {
                photo_id: photo.id,
                project_id: photo.project_id,
                photographer_id: photo.photographer_id,
                failure_reason: Some(reason),
                duplicate_of,
            },
            now,
        )
    }

    /// `selfie.approved` for `selfie`.
    pub fn selfie_approved(selfie: &Selfie, now: OffsetDateTime) -> Self {
        Self::new(
            EventData::SelfieApproved {
                selfie_id: selfie.id,
                user_id: selfie.user_id,
                reason: None,
            },
            now,
        )
    }

    /// `selfie.rejected` for `selfie`.
    pub fn selfie_rejected(selfie: &Selfie, reason: RejectionReason, now: OffsetDateTime) -> Self {
        Self::new(
            EventData::SelfieRejected {
                selfie_id: selfie.id,
                user_id: selfie.user_id,
                reason: Some(reason),
            },
            now,
        )
    }

    /// `selfie.failed` for `selfie`.
    pub fn selfie_failed(selfie: &Selfie, reason: FailureReason, now: OffsetDateTime) -> Self {
        Self::new(
            EventData::SelfieFailed {
                selfie_id: selfie.id,
                user_id: selfie.user_id,
                reason: Some(reason),
            },
            now,
        )
    }

    /// The type (`photo.ready`, …): the body's `type`.
    pub fn kind(&self) -> &'static str {
        match self.data {
            EventData::PhotoReady { .. } => "photo.ready",
            EventData::PhotoFailed { .. } => "photo.failed",
            EventData::SelfieApproved { .. } => "selfie.approved",
            EventData::SelfieRejected { .. } => "selfie.rejected",
            EventData::SelfieFailed { .. } => "selfie.failed",
            EventData::MatchesAdded { .. } => "matches.added",
            EventData::ErasureCompleted { .. } => "erasure.completed",
        }
    }

    /// The body POSTed to the receiver: `{"type","timestamp","data"}`.
    pub fn body(&self) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(flatten)]
            data: &'a EventData,
            #[serde(with = "time::serde::rfc3339")]
            timestamp: OffsetDateTime,
        }
        // Ids, codes, numbers and a timestamp in range: cannot fail.
        serde_json::to_string(&Body {
            data: &self.data,
            timestamp: self.timestamp,
        })
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_type_timestamp_and_camel_case_data() {
        let user = UserId::new();
        let photo = PhotoId::new();
        let e = Event::new(
            EventData::MatchesAdded {
                user_id: user,
                project_id: ProjectId::new(),
                photo_ids: vec![photo],
                count: 1,
            },
            OffsetDateTime::UNIX_EPOCH,
        );
        let body: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(body["type"], "matches.added");
        assert_eq!(body["timestamp"], "1970-01-01T00:00:00Z");
        assert_eq!(body["data"]["userId"], user.to_string());
        assert_eq!(body["data"]["photoIds"][0], photo.to_string());
        assert_eq!(body["data"]["count"], 1);
        assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
        assert_eq!(e.kind(), "matches.added");
    }

    #[test]
    fn an_event_survives_the_queue() {
        let notice = ErasureNotice {
            event_id: EventId::new(),
            user_id: UserId::new(),
            cause: ErasureCause::ConsentRevoked,
            requested_at: OffsetDateTime::UNIX_EPOCH,
        };
        let e = notice.event(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(5));
        let back: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(
            back.id, notice.event_id,
            "the id is the notice's, on every retry"
        );
        let body: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(body["data"]["cause"], "consent_revoked");
        assert!(
            body["data"]["erased"]
                .as_array()
                .unwrap()
                .contains(&"consent".into())
        );
    }
}
