//! The orphan sweep behind `media-cli purge --orphans` (SPEC §8): objects
//! no row holds, and uploads that expired long ago.

use std::collections::HashSet;

use super::Media;
use super::admin::PurgeReport;
use crate::domain::SelfieStatus;
use crate::error::Result;
use crate::ids::PhotoId;
use crate::keys::{self, ParsedKey};
use crate::ports::ObjectInfo;

/// Uploads expired this long ago are removed by `purge --orphans`.
const EXPIRED_LONG_AGO: time::Duration = time::Duration::days(1);

impl Media {
    /// Objects under `photos/`, `selfies/` and `archives/` with no row, and
    /// uploads that expired long ago. Without `dry_run` they are removed.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn purge_orphans(&self, dry_run: bool) -> Result<PurgeReport> {
        let mut listed = Vec::new();
        for root in [
            keys::photos_root(),
            keys::selfies_root(),
            keys::archives_root(),
        ] {
            listed.extend(self.ports.storage.list_prefix(&root).await?);
        }
        let report = self.orphans_among(&listed).await?;
        if !dry_run {
            self.remove_orphans(&report).await?;
        }
        Ok(report)
    }

    /// The objects of `listed` with no row (a photo key whose photo is
    /// gone, a selfie key whose selfie is gone or expired, an archive key
    /// whose archive is gone), and the uploads
    /// that expired long ago. Keys of no known shape are not ours to judge.
    pub(super) async fn orphans_among(&self, listed: &[ObjectInfo]) -> Result<PurgeReport> {
        let mut report = PurgeReport::default();
        let mut known_photos: HashSet<PhotoId> = HashSet::new();
        let mut gone_photos: HashSet<PhotoId> = HashSet::new();
        for object in listed {
            let orphan = match keys::parse(&object.key) {
                Some(ParsedKey::Photo { photo, .. }) => {
                    if known_photos.contains(&photo) {
                        false
                    } else if gone_photos.contains(&photo) {
                        true
                    } else if self.ports.photos.photo(photo).await?.is_some() {
                        known_photos.insert(photo);
                        false
                    } else {
                        gone_photos.insert(photo);
                        true
                    }
                }
                Some(ParsedKey::Selfie { user, timestamp_ms }) => self
                    .ports
                    .selfies
                    .selfie_by_key(user, timestamp_ms)
                    .await?
                    .is_none_or(|s| s.status == SelfieStatus::Expired),
                // A ZIP whose row went (erased, expired): matched photos of
                // someone, kept by no one.
                Some(ParsedKey::Archive { user, archive }) => self
                    .ports
                    .archives
                    .archive(archive)
                    .await?
                    .is_none_or(|a| a.user_id != user),
                _ => false,
            };
            if orphan {
                report.objects.push(object.key.clone());
            }
        }
        let cutoff = self.now() - EXPIRED_LONG_AGO;
        report.photos = self
            .ports
            .photos
            .expired_photos(cutoff)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        Ok(report)
    }

    /// Removes what [`Media::orphans_among`] found: the expired uploads'
    /// rows (through the durable deletion, which also takes what arrived
    /// late) and the orphaned objects.
    pub(super) async fn remove_orphans(&self, report: &PurgeReport) -> Result<()> {
        for &id in &report.photos {
            if let Some(photo) = self.ports.photos.photo(id).await? {
                self.delete_photo(&photo).await?;
            }
        }
        for key in &report.objects {
            if let Some(parsed) = keys::parse(key) {
                self.ports.storage.delete(&parsed.key()).await?;
            }
        }
        Ok(())
    }
}
