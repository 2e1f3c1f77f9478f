//! `purge_objects`: deletes the objects of erased or deleted rows.

use super::JobOutcome;
use crate::domain::{ErasureNotice, JobPayload, PurgeTarget};
use crate::error::Result;
use crate::keys::{self, PurgeScope};
use crate::service::Media;

impl Media {
    /// An erasure's purge announces `erasure.completed` with its completion.
    pub(super) async fn purge_objects(
        &self,
        targets: &[PurgeTarget],
        erasure: Option<&ErasureNotice>,
    ) -> Result<JobOutcome> {
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
        let then: Vec<JobPayload> = erasure
            .and_then(|notice| self.announce(notice.event(self.now())))
            .into_iter()
            .collect();
        Ok(if then.is_empty() {
            JobOutcome::Done
        } else {
            JobOutcome::Then(then)
        })
    }
}
