//! Which step of a user's erasure a `purge_objects` job is: the data a
//! job carries. Its own file so that `job.rs` (which holds it) and
//! `erasure.rs` (the rules that build those jobs) do not import each other.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};

/// Which step of a user's erasure a `purge_objects` is. At most one of
/// each is queued per user: a newer erasure's replaces the queued one,
/// which it covers (its `SelfiesOf` instant is later, so it deletes every
/// key the older would, and its archives are the same `archives/{userId}/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ErasureStep {
    /// Deletes now; once done, queues the [`ErasureStep::Sweep`].
    Purge {
        /// Whose erasure.
        user_id: UserId,
    },
    /// Deletes again what an upload URL issued before the purge ran may
    /// have written since, once every such URL has expired (SPEC §3.11).
    Sweep {
        /// Whose erasure.
        user_id: UserId,
    },
}

impl ErasureStep {
    /// The queue's dedup key: one queued job of each step per user.
    pub fn dedup_key(self) -> String {
        match self {
            Self::Purge { user_id } => format!("erasure:{user_id}"),
            Self::Sweep { user_id } => format!("erasure_sweep:{user_id}"),
        }
    }
}
