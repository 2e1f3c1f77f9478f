//! `purge_objects`: deletes the objects of erased or deleted rows.

use super::JobOutcome;
use crate::domain::PurgeTarget;
use crate::error::Result;
use crate::keys::{self, PurgeScope};
use crate::service::Media;

impl Media {
    pub(super) async fn purge_objects(&self, targets: &[PurgeTarget]) -> Result<JobOutcome> {
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
        Ok(JobOutcome::Done)
    }
}
