//! Events to the platform (SPEC §9): which change announces what, the
//! delivery job and the debounced `matches.added`.
//!
//! An event is a `deliver_event` job written in the transaction of the
//! change that causes it, so the job queue is the outbox: delivered at
//! least once, retried with backoff, dead after `JOB_MAX_ATTEMPTS` and
//! visible to `media-cli jobs` like any other job.

use time::OffsetDateTime;

use super::JobOutcome;
use crate::domain::{Event, EventData, JobPayload, Photo};
use crate::error::Result;
use crate::ids::{PhotoId, ProjectId, UserId};
use crate::service::Media;

/// A notice that lost a race with a "not me" or another notice reads again,
/// at most this many times in one run.
const NOTIFY_READS: usize = 3;

impl Media {
    /// The delivery of `event` when events are on; without a receiver no
    /// event is recorded at all.
    pub(crate) fn announce(&self, event: Event) -> Option<JobPayload> {
        self.ports
            .events
            .is_configured()
            .then(|| JobPayload::deliver(event))
    }

    /// What a derivative's record enqueues if it makes the photo ready.
    pub(super) fn on_ready(&self, photo: &Photo, now: OffsetDateTime) -> Vec<JobPayload> {
        self.announce(Event::photo_ready(photo, now))
            .into_iter()
            .collect()
    }

    /// The members' debounced notices after new matches in `project`: due
    /// at the end of the window, one queued per member (the queue's dedup).
    pub(super) fn match_notices(
        &self,
        project: ProjectId,
        users: impl IntoIterator<Item = UserId>,
        now: OffsetDateTime,
    ) -> Vec<JobPayload> {
        if !self.ports.events.is_configured() {
            return Vec::new();
        }
        let due = now + self.settings.match_notify_debounce;
        users
            .into_iter()
            .map(|user_id| JobPayload::NotifyMatches {
                project_id: project,
                user_id,
                not_before: Some(due),
            })
            .collect()
    }

    pub(super) async fn deliver_event(&self, event: &Event) -> Result<JobOutcome> {
        if !self.ports.events.is_configured() {
            // Recorded while events were on: kept until they are again.
            return Ok(self.deferred());
        }
        self.ports.events.deliver(event, self.now()).await?;
        Ok(JobOutcome::Done)
    }

    /// One `matches.added` with every match of the user in the project not
    /// announced yet (none: nothing to say — they were erased, or "not me").
    pub(super) async fn notify_matches(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<JobOutcome> {
        for _ in 0..NOTIFY_READS {
            let photos: Vec<PhotoId> = self.ports.faces.unannounced_matches(project, user).await?;
            if photos.is_empty() {
                return Ok(JobOutcome::Done);
            }
            let now = self.now();
            let event = Event::new(
                EventData::MatchesAdded {
                    user_id: user,
                    project_id: project,
                    count: u32::try_from(photos.len()).unwrap_or(u32::MAX),
                    photo_ids: photos.clone(),
                },
                now,
            );
            let jobs: Vec<_> = self.announce(event).into_iter().collect();
            if self
                .ports
                .faces
                .announce_matches(project, user, &photos, &jobs, now)
                .await?
            {
                return Ok(JobOutcome::Done);
            }
        }
        Err(crate::error::Error::unavailable(
            "the matches kept changing while announced",
        ))
    }
}
