//! `purge_objects`: deletes the objects of erased or deleted rows.

use super::JobOutcome;
use crate::domain::JobPayload;
use crate::error::Result;
use crate::keys::{self, PurgeScope};
use crate::service::Media;
use crate::settings::UPLOAD_URL_TTL;

impl Media {
    /// An erasure's purge announces `erasure.completed` with its completion,
    /// and queues its sweep: due once every upload URL issued before now
    /// (valid 600 s) and the grace are over, it covers each erasure this
    /// purge stood for.
    pub(super) async fn purge_objects(&self, job: &JobPayload) -> Result<JobOutcome> {
        let JobPayload::PurgeObjects {
            targets, erasure, ..
        } = job
        else {
            return Ok(JobOutcome::Done);
        };
        for target in targets {
            match keys::purge_scope(target) {
                PurgeScope::Prefix(prefix) => {
                    self.ports.storage.delete_prefix(&prefix).await?;
                }
                PurgeScope::Key(key) => self.ports.storage.delete(&key).await?,
                scope @ PurgeScope::SelfiesThrough { user, .. } => {
                    for object in self
                        .ports
                        .storage
                        .list_prefix(&keys::selfies_of(user))
                        .await?
                    {
                        if let Some(parsed) = keys::parse(&object.key)
                            && scope.holds_selfie(&parsed)
                        {
                            self.ports.storage.delete(&parsed.key()).await?;
                        }
                    }
                }
            }
        }
        let now = self.now();
        let then: Vec<JobPayload> = erasure
            .as_ref()
            .and_then(|notice| self.announce(notice.event(now)))
            .into_iter()
            .chain(job.erasure_sweep(now + UPLOAD_URL_TTL + self.settings.upload_grace))
            .collect();
        Ok(if then.is_empty() {
            JobOutcome::Done
        } else {
            JobOutcome::Then(then)
        })
    }
}
