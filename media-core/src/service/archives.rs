//! "Take my photos home" (SPEC §3.13b): asking for an archive, reading it,
//! and the upkeep that purges expired ones.

use super::Media;
use super::views::ArchiveView;
use crate::domain::{Archive, ArchiveStatus, JobPayload, Principal, PurgeTarget, matches_digest};
use crate::error::{Error, Result};
use crate::ids::{ArchiveId, ProjectId};
use crate::keys;
use crate::policy::{self, Access};

/// Expired archives purged per upkeep cycle (the rest wait for the next).
const EXPIRE_BATCH: u32 = 500;

impl Media {
    /// SPEC §3.13b: a ZIP of the member's matched photos in the project is
    /// built by a job; while one is building, the same one is returned, and
    /// a ready one built from the photos matched now is answered again
    /// (SPEC §5 "Fairness"). When the matches changed, the new build
    /// replaces the ready one: its row goes and its ZIP is purged with the
    /// new row's insert (it holds photos the member may have hidden, and a
    /// ZIP per change of matches would pile up for `ARCHIVE_TTL_HOURS`).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn request_archive(
        &self,
        principal: &Principal,
        project: ProjectId,
    ) -> Result<ArchiveView> {
        self.admit(principal, &Access::MY_PHOTOS).await?;
        let user = principal.as_user();
        policy::member_project(self.ports.directory.is_member(project, user).await?)?;
        let now = self.now();
        let matches = matches_digest(&self.ports.faces.matched_photos(project, user).await?);
        let ready = self
            .ports
            .archives
            .ready_archives(user, project, now)
            .await?;
        if let Some(same) = ready.iter().find(|a| a.answers_again(&matches, now)) {
            return self.archive_view(same.clone());
        }
        let archive = Archive {
            id: ArchiveId::new(),
            user_id: user,
            project_id: project,
            status: ArchiveStatus::Building,
            photo_count: None,
            bytes: None,
            created_at: now,
            expires_at: None,
            matches: None,
        };
        let replaced: Vec<ArchiveId> = ready.iter().map(|a| a.id).collect();
        let mut jobs = vec![JobPayload::BuildArchive {
            archive_id: archive.id,
        }];
        jobs.extend(JobPayload::archives_purge(user, &replaced));
        let building = self
            .ports
            .archives
            .start_archive(&archive, &replaced, &jobs, now)
            .await?;
        self.archive_view(building)
    }

    /// SPEC §3.13b: the caller's archive; anyone else's is `NotFound`.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn archive_status(
        &self,
        principal: &Principal,
        id: ArchiveId,
    ) -> Result<ArchiveView> {
        self.admit(principal, &Access::ARCHIVES).await?;
        match self.ports.archives.archive(id).await? {
            Some(a) if a.user_id == principal.as_user() => self.archive_view(a),
            _ => Err(Error::NotFound),
        }
    }

    fn archive_view(&self, a: Archive) -> Result<ArchiveView> {
        let url = match a.status {
            ArchiveStatus::Ready => {
                Some(self.download_url(&keys::archive(a.user_id, a.id), self.now())?)
            }
            _ => None,
        };
        Ok(ArchiveView {
            archive_id: a.id,
            project_id: a.project_id,
            status: a.status,
            photo_count: a.photo_count,
            bytes: a.bytes,
            url,
            expires_at: a.expires_at,
        })
    }

    /// Upkeep: archives past their `expires_at` go, row and ZIP (the purge
    /// is enqueued with the row's deletion). Returns how many.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn expire_archives(&self) -> Result<u32> {
        let now = self.now();
        let mut gone = 0;
        for a in self
            .ports
            .archives
            .expired_archives(now, EXPIRE_BATCH)
            .await?
        {
            let purge = JobPayload::purge(vec![PurgeTarget::Archive {
                user_id: a.user_id,
                archive_id: a.id,
            }]);
            if self
                .ports
                .archives
                .delete_archive(a.id, &[purge], now)
                .await?
            {
                gone += 1;
            }
        }
        Ok(gone)
    }
}
