//! Typed identifiers. Each wraps a UUID so a photo id can never be passed where
//! a project id is expected, and storage keys can only be built from them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random (v4) id. (No `Default`: an id made up by
            /// `..Default::default()` would be a silent random one.)
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
            /// The id with this UUID (as read from a token, a path or a row).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Hyphenated lower case: the form used in keys, JSON and SQL.
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// An event: photos are uploaded to it, attendees join it.
    ProjectId
);
typed_id!(
    /// One uploaded (or awaited) photo.
    PhotoId
);
typed_id!(
    /// One selfie upload of a user.
    SelfieId
);
typed_id!(
    /// An attendee (end user).
    UserId
);
typed_id!(
    /// A photographer assigned to projects.
    PhotographerId
);
typed_id!(
    /// An operator who owns projects.
    OperatorId
);
typed_id!(
    /// A durable background job.
    JobId
);
typed_id!(
    /// An event to the platform (SPEC §9): its `webhook-id`, the same on
    /// every delivery attempt so receivers can drop repeats.
    EventId
);
typed_id!(
    /// A ZIP of a user's matched photos in one project (SPEC §3.13b).
    ArchiveId
);
