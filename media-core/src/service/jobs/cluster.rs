//! `cluster_faces`: every member's approved selfie against the project's new faces.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::JobOutcome;
use crate::domain::{MemberMatches, MemberSelfie, PhotoFace};
use crate::error::Result;
use crate::ids::ProjectId;
use crate::matching;
use crate::service::Media;

/// Faces compared per database round trip in `cluster_faces`.
const CLUSTER_BATCH: u32 = 20_000;

impl Media {
    /// Compares every member's approved selfie with the project's faces it
    /// has not been compared with (each (selfie, face) pair once), keeping
    /// the closest face per (user, photo). Each batch of faces is prepared
    /// once for all members.
    pub(super) async fn cluster_faces(&self, project: ProjectId) -> Result<JobOutcome> {
        let mut members = self.ports.faces.matchable_members(project).await?;
        let Some(mut after) = members.iter().map(|m| m.through_seq).min() else {
            return Ok(JobOutcome::Done);
        };
        loop {
            let faces = self
                .ports
                .faces
                .faces_after(project, after, CLUSTER_BATCH)
                .await?;
            let Some(last) = faces.last().map(|f| f.seq) else {
                break;
            };
            let found = self.match_batch(project, &faces, &members, last);
            let now = self.now();
            let matched = found
                .iter()
                .filter(|m| !m.matches.is_empty())
                .map(|m| m.user_id);
            let notices = self.match_notices(project, matched, now);
            let announce = self.ports.events.is_configured();
            self.ports
                .faces
                .record_matches(project, last, &found, announce, &notices, now)
                .await?;
            for m in &mut members {
                m.through_seq = m.through_seq.max(last);
            }
            after = last;
            if faces.len() < CLUSTER_BATCH as usize {
                break;
            }
        }
        Ok(JobOutcome::Done)
    }

    /// One batch of faces against every member not yet past it. Each
    /// selfie meets only the faces of its own model (SPEC §7a), at that
    /// model's threshold; a member whose model has no face in the batch
    /// still moves past it (nothing there can match).
    fn match_batch(
        &self,
        project: ProjectId,
        faces: &[PhotoFace],
        members: &[MemberSelfie],
        last: i64,
    ) -> Vec<MemberMatches> {
        let pending: Vec<&MemberSelfie> = members.iter().filter(|m| m.through_seq < last).collect();
        let mut found: Vec<MemberMatches> = pending
            .iter()
            .map(|m| MemberMatches {
                user_id: m.user_id,
                selfie_id: m.selfie_id,
                matches: Vec::new(),
            })
            .collect();
        let models: BTreeSet<&str> = faces.iter().map(|f| f.model.as_str()).collect();
        for model in &models {
            // One model per batch but while an engine change is under way:
            // only then are the faces of one model copied out.
            let of_model: Cow<'_, [PhotoFace]> = if models.len() == 1 {
                Cow::Borrowed(faces)
            } else {
                Cow::Owned(
                    faces
                        .iter()
                        .filter(|f| f.model == *model)
                        .cloned()
                        .collect(),
                )
            };
            let batch = matching::FaceBatch::new(&of_model);
            let max_distance = self.settings.match_max_distance_for(model);
            for (m, out) in pending.iter().zip(&mut found) {
                if m.model == *model {
                    out.matches = batch.best_matches(
                        project,
                        m.user_id,
                        &m.embedding,
                        m.through_seq,
                        max_distance,
                    );
                }
            }
        }
        found
    }
}
