//! After a change of face engine: the approved selfies of another model are
//! described again (SPEC §7a, decision 0029).

use super::Media;
use crate::domain::JobPayload;
use crate::error::Result;
use crate::ids::{ProjectId, SelfieId};

impl Media {
    /// The approved selfies of the members of `projects` whose model the
    /// running engine would not make go back to `processing`, their
    /// matching progress cleared, with a `process_selfie` each: judged
    /// again by SPEC §5's rules with the running engine. One the engine
    /// finds no usable face in ends `rejected` with the reason, as a new
    /// upload would (its object purged, `selfie.rejected` sent): the app
    /// asks for another selfie; the matches found before stay. Returns the
    /// jobs; none while no engine is configured (faces wait).
    pub(super) async fn redescribe_selfies(
        &self,
        projects: &[ProjectId],
    ) -> Result<Vec<JobPayload>> {
        if !self.ports.embedder.is_configured() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let mut seen: Vec<SelfieId> = Vec::new();
        let mut all = Vec::new();
        for project in projects {
            for member in self.ports.faces.matchable_members(*project).await? {
                if seen.contains(&member.selfie_id) || self.ports.embedder.keeps(&member.model) {
                    continue;
                }
                seen.push(member.selfie_id);
                let jobs = [JobPayload::ProcessSelfie {
                    selfie_id: member.selfie_id,
                }];
                if self
                    .ports
                    .selfies
                    .redescribe_selfie(member.selfie_id, &jobs, now)
                    .await?
                {
                    all.extend(jobs);
                }
            }
        }
        Ok(all)
    }
}
