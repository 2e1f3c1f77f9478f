//! `media-cli audit` (SPEC §8): the database against the store, by kind of
//! finding, and what `--fix` may repair safely.

use std::collections::HashSet;

use super::{Media, PurgeReport, ReprocessStep};
use crate::domain::{ConsentPurpose, JobKind, JobStatus, PhotoStatus};
use crate::error::Result;
use crate::ids::UserId;
use crate::keys::{self, ParsedKey, PhotoObject};

/// Examples kept per finding.
const EXAMPLES: usize = 5;
/// Rows read per query while scanning.
const PAGE: u32 = 1000;

/// The jobs that finish a processing photo, and the statuses in which one
/// is still going to.
const PHOTO_JOBS: [JobKind; 2] = [JobKind::GenerateThumbnail, JobKind::GenerateWatermark];
const PENDING: [JobStatus; 2] = [JobStatus::Queued, JobStatus::Running];

/// How many of one kind were found, with a few examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// How many.
    pub count: u64,
    /// The first few (keys or ids), for the operator to look at.
    pub examples: Vec<String>,
}

impl Finding {
    fn add(&mut self, example: impl ToString) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example.to_string());
        }
    }
}

/// What an audit found, and (with `fix`) what it repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    /// Objects with no row (replayed uploads included), and uploads expired long ago.
    pub orphans: Finding,
    /// Ready photos whose thumbnails or watermarked copy are not in the store.
    pub missing_derivatives: Finding,
    /// Selfie rows or objects, embeddings, matches of users without an active consent.
    pub biometrics_without_consent: Finding,
    /// Jobs still running past their lease (their worker is gone; the upkeep loop reaps them).
    pub stuck_jobs: Finding,
    /// Photos processing with no job left to finish them.
    pub stuck_photos: Finding,
    /// What `fix` did, one line each.
    pub fixed: Vec<String>,
}

impl AuditReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        [
            &self.orphans,
            &self.missing_derivatives,
            &self.biometrics_without_consent,
            &self.stuck_jobs,
            &self.stuck_photos,
        ]
        .iter()
        .all(|f| f.count == 0)
    }
}

impl Media {
    /// Compares the database with the store. With `fix`: purges orphans,
    /// erases biometric leftovers, re-enqueues missing derivatives and stuck
    /// photos. Stuck jobs are only reported (the upkeep loop reaps them).
    /// `progress` is told how many rows and objects were read so far.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn audit(
        &self,
        fix: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<AuditReport> {
        let mut report = AuditReport::default();
        let mut read = 0u64;

        // The store is listed once; every check below reads this listing.
        let photo_objects = self.ports.storage.list_prefix(&keys::photos_root()).await?;
        let selfie_objects = self
            .ports
            .storage
            .list_prefix(&keys::selfies_root())
            .await?;
        let archive_objects = self
            .ports
            .storage
            .list_prefix(&keys::archives_root())
            .await?;
        read += (photo_objects.len() + selfie_objects.len() + archive_objects.len()) as u64;
        progress(read);
        let listed: Vec<_> = photo_objects
            .iter()
            .chain(&selfie_objects)
            .chain(&archive_objects)
            .cloned()
            .collect();
        let orphans: PurgeReport = self.orphans_among(&listed).await?;
        for key in &orphans.objects {
            report.orphans.add(key);
        }
        for photo in &orphans.photos {
            report.orphans.add(format!("expired upload {photo}"));
        }

        let stored: HashSet<&str> = photo_objects.iter().map(|o| o.key.as_str()).collect();
        let (mut thumbs, mut watermarks) = (Vec::new(), Vec::new());
        let mut after = None;
        loop {
            let page = self
                .ports
                .photos
                .photos_with_status(PhotoStatus::Ready, after, PAGE)
                .await?;
            read += page.len() as u64;
            progress(read);
            for p in &page {
                let has = |o| stored.contains(keys::photo(p.project_id, p.id, o).as_str());
                let no_thumbs = !(has(PhotoObject::Thumb400) && has(PhotoObject::Thumb800));
                let no_watermark = !has(PhotoObject::Watermarked);
                if no_thumbs || no_watermark {
                    report.missing_derivatives.add(p.id);
                }
                if no_thumbs {
                    thumbs.push(p.id);
                }
                if no_watermark {
                    watermarks.push(p.id);
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.id),
                _ => break,
            }
        }

        let mut without_consent: Vec<UserId> = Vec::new();
        let mut seen = HashSet::new();
        let selfie_owners = selfie_objects
            .iter()
            .filter_map(|o| match keys::parse(&o.key) {
                Some(ParsedKey::Selfie { user, .. }) => Some(user),
                _ => None,
            });
        let users: Vec<UserId> = self
            .ports
            .selfies
            .users_with_biometrics()
            .await?
            .into_iter()
            .chain(selfie_owners)
            .collect();
        for user in users {
            if !seen.insert(user) {
                continue;
            }
            read += 1;
            if !self
                .ports
                .consents
                .has_consent(user, ConsentPurpose::BiometricProcessing)
                .await?
            {
                report.biometrics_without_consent.add(user);
                without_consent.push(user);
            }
        }
        progress(read);

        for job in self.ports.job_admin.expired_leases(self.now()).await? {
            report
                .stuck_jobs
                .add(format!("{} {}", job.payload.kind(), job.id));
        }

        let mut stuck = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .ports
                .photos
                .photos_with_status(PhotoStatus::Processing, after, PAGE)
                .await?;
            // Asked of each photo, not read from a capped list of the
            // queue: behind 10,000 other jobs a photo's own was missed and
            // `--fix` queued it a second one (issue 26).
            for p in &page {
                let has_job = self
                    .ports
                    .queue
                    .photo_has_job(p.project_id, p.id, &PHOTO_JOBS, &PENDING)
                    .await?;
                if !has_job {
                    report.stuck_photos.add(p.id);
                    stuck.push(p.id);
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.id),
                _ => break,
            }
        }
        progress(read);

        if fix {
            if report.orphans.count > 0 {
                self.remove_orphans(&orphans).await?;
                report.fixed.push(format!(
                    "purged {} orphaned object(s) and {} expired upload(s)",
                    orphans.objects.len(),
                    orphans.photos.len()
                ));
            }
            for user in &without_consent {
                self.erase_biometrics(*user, None, None).await?;
            }
            if !without_consent.is_empty() {
                report.fixed.push(format!(
                    "erased the biometric data of {} user(s) without consent",
                    without_consent.len()
                ));
            }
            for (ids, step, what) in [
                (&thumbs, ReprocessStep::Thumbnails, "thumbnails"),
                (&watermarks, ReprocessStep::Watermark, "watermarked copies"),
                (&stuck, ReprocessStep::All, "stuck photos"),
            ] {
                if !ids.is_empty() {
                    self.reprocess(ids, step).await?;
                    report
                        .fixed
                        .push(format!("re-enqueued {} for {} photo(s)", what, ids.len()));
                }
            }
        }
        Ok(report)
    }
}
