//! What an operator wants to know about an event (SPEC §3.13c).

use super::Media;
use crate::domain::{Principal, ProjectStats};
use crate::error::Result;
use crate::ids::ProjectId;
use crate::policy::{self, Access};

impl Media {
    /// SPEC §3.13c: the figures of one of the operator's projects. Another
    /// operator's project, or none, is `NotFound`.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn project_stats(
        &self,
        principal: &Principal,
        project: ProjectId,
    ) -> Result<ProjectStats> {
        self.admit(principal, &Access::OPERATOR).await?;
        let found = self.ports.directory.project(project).await?;
        policy::operator_project(principal, found.as_ref())?;
        let now = self.now();
        let mut stats = self.ports.directory.project_stats(project, now).await?;
        stats.as_of = Some(now);
        Ok(stats)
    }
}
