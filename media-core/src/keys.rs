//! Every storage key of SPEC §4a, built from typed ids and numbers only.
//! No client string can become part of a key: the constructors take no `&str`.

use std::fmt;

use crate::domain::PurgeTarget;
use crate::ids::{ArchiveId, OperatorId, PhotoId, ProjectId, UserId};

/// A full object key. Only this module can make one from parts.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageKey(String);

/// A key prefix ending in `/`, naming a folder of objects.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyPrefix(String);

impl StorageKey {
    /// The key as the store spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl KeyPrefix {
    /// The prefix as the store spells it, ending in `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether `key` is in this folder (at any depth).
    pub fn contains(&self, key: &StorageKey) -> bool {
        key.0.starts_with(&self.0)
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorageKey({})", self.0)
    }
}
impl fmt::Display for KeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for KeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPrefix({})", self.0)
    }
}

/// The derived objects of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoObject {
    /// What the photographer uploaded (`original.jpg`, whatever its format).
    Original,
    /// The 400 px wide thumbnail.
    Thumb400,
    /// The 800 px wide thumbnail.
    Thumb800,
    /// The watermarked copy, EXIF stripped.
    Watermarked,
}

impl PhotoObject {
    /// Every object of a photo's folder.
    pub const ALL: [PhotoObject; 4] = [
        Self::Original,
        Self::Thumb400,
        Self::Thumb800,
        Self::Watermarked,
    ];

    const fn file_name(self) -> &'static str {
        match self {
            Self::Original => "original.jpg",
            Self::Thumb400 => "thumb-400.jpg",
            Self::Thumb800 => "thumb-800.jpg",
            Self::Watermarked => "watermarked.jpg",
        }
    }
}

/// The number in a selfie key: Unix milliseconds of the upload URL's issue.
pub fn timestamp_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `selfies/{user}/{timestamp_ms}.jpg`: one selfie upload.
pub fn selfie(user: UserId, timestamp_ms: i64) -> StorageKey {
    StorageKey(format!("selfies/{user}/{timestamp_ms}.jpg"))
}

/// `selfies/{user}/`: every selfie of a user.
pub fn selfies_of(user: UserId) -> KeyPrefix {
    KeyPrefix(format!("selfies/{user}/"))
}

/// `photos/{project}/{photo}/{file}`: one object of a photo.
pub fn photo(project: ProjectId, photo: PhotoId, object: PhotoObject) -> StorageKey {
    StorageKey(format!("photos/{project}/{photo}/{}", object.file_name()))
}

/// `photos/{project}/{photo}/`: everything of a photo.
pub fn photo_folder(project: ProjectId, photo: PhotoId) -> KeyPrefix {
    KeyPrefix(format!("photos/{project}/{photo}/"))
}

/// `operators/{operator}/profile.jpg`: the operator's picture (SPEC §3.9).
pub fn operator_profile(operator: OperatorId) -> StorageKey {
    StorageKey(format!("operators/{operator}/profile.jpg"))
}

/// `archives/{user}/{archive}.zip`: a user's ZIP of their photos (SPEC §3.13b).
pub fn archive(user: UserId, archive: ArchiveId) -> StorageKey {
    StorageKey(format!("archives/{user}/{archive}.zip"))
}

/// `archives/{user}/`: every archive of a user.
pub fn archives_of(user: UserId) -> KeyPrefix {
    KeyPrefix(format!("archives/{user}/"))
}

/// `photos/`: every photo's folder.
pub fn photos_root() -> KeyPrefix {
    KeyPrefix("photos/".to_owned())
}
/// `selfies/`: every user's selfies.
pub fn selfies_root() -> KeyPrefix {
    KeyPrefix("selfies/".to_owned())
}
/// `archives/`: every user's archives.
pub fn archives_root() -> KeyPrefix {
    KeyPrefix("archives/".to_owned())
}

/// What a key found in the store (a webhook event, a listing) refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedKey {
    /// A [`selfie`] key.
    Selfie {
        /// Whose.
        user: UserId,
        /// The upload URL's issue, Unix ms.
        timestamp_ms: i64,
    },
    /// A [`photo`] key.
    Photo {
        /// The photo's project.
        project: ProjectId,
        /// The photo.
        photo: PhotoId,
        /// Which of its objects.
        object: PhotoObject,
    },
    /// An [`operator_profile`] key.
    OperatorProfile {
        /// Whose picture.
        operator: OperatorId,
    },
    /// An [`archive`] key.
    Archive {
        /// Whose.
        user: UserId,
        /// Which.
        archive: ArchiveId,
    },
}

impl ParsedKey {
    /// The key again; `parse(k).key() == k` for every key this module builds.
    pub fn key(self) -> StorageKey {
        match self {
            Self::Selfie { user, timestamp_ms } => selfie(user, timestamp_ms),
            Self::Photo {
                project,
                photo: p,
                object,
            } => photo(project, p, object),
            Self::OperatorProfile { operator } => operator_profile(operator),
            Self::Archive { user, archive: a } => archive(user, a),
        }
    }
}

/// Recognises a key of SPEC §4a. Anything else (other shapes, non-canonical
/// ids, extra segments) is `None`, so foreign objects are never acted on.
pub fn parse(key: &str) -> Option<ParsedKey> {
    let parts: Vec<&str> = key.split('/').collect();
    let parsed = match parts.as_slice() {
        ["selfies", user, file] => {
            let ts = file.strip_suffix(".jpg")?;
            if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            ParsedKey::Selfie {
                user: user.parse().ok()?,
                timestamp_ms: ts.parse().ok()?,
            }
        }
        ["photos", project, photo_id, file] => ParsedKey::Photo {
            project: project.parse().ok()?,
            photo: photo_id.parse().ok()?,
            object: PhotoObject::ALL
                .into_iter()
                .find(|o| o.file_name() == *file)?,
        },
        ["operators", operator, "profile.jpg"] => ParsedKey::OperatorProfile {
            operator: operator.parse().ok()?,
        },
        ["archives", user, file] => ParsedKey::Archive {
            user: user.parse().ok()?,
            archive: file.strip_suffix(".zip")?.parse().ok()?,
        },
        _ => return None,
    };
    // Only canonical spellings: a key that parses must be exactly the key we would build.
    (parsed.key().as_str() == key).then_some(parsed)
}

/// The objects a purge target names: a prefix, one key, or a user's selfie
/// keys up to a timestamp (listed, then each deleted).
pub enum PurgeScope {
    /// Everything under a folder.
    Prefix(KeyPrefix),
    /// One object.
    Key(StorageKey),
    /// A user's selfie keys whose timestamp is at most `through_ms`.
    SelfiesThrough {
        /// Whose selfies.
        user: UserId,
        /// The erasure's instant, Unix ms.
        through_ms: i64,
    },
}

impl PurgeScope {
    /// Whether `key`, found under [`selfies_of`] the scope's user, is in scope.
    pub fn holds_selfie(&self, key: &ParsedKey) -> bool {
        match (self, key) {
            (
                PurgeScope::SelfiesThrough { user, through_ms },
                ParsedKey::Selfie {
                    user: u,
                    timestamp_ms,
                },
            ) => u == user && timestamp_ms <= through_ms,
            _ => false,
        }
    }
}

/// The objects `target` names.
pub fn purge_scope(target: &PurgeTarget) -> PurgeScope {
    match *target {
        PurgeTarget::Photo {
            project_id,
            photo_id,
        } => PurgeScope::Prefix(photo_folder(project_id, photo_id)),
        PurgeTarget::Selfie {
            user_id,
            timestamp_ms,
        } => PurgeScope::Key(selfie(user_id, timestamp_ms)),
        PurgeTarget::AllSelfiesOf { user_id } => PurgeScope::Prefix(selfies_of(user_id)),
        PurgeTarget::Archive {
            user_id,
            archive_id,
        } => PurgeScope::Key(archive(user_id, archive_id)),
        PurgeTarget::ArchivesOf { user_id } => PurgeScope::Prefix(archives_of(user_id)),
        PurgeTarget::SelfiesOf {
            user_id,
            through_ms,
        } => PurgeScope::SelfiesThrough {
            user: user_id,
            through_ms,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn uuid() -> impl Strategy<Value = Uuid> {
        any::<u128>().prop_map(Uuid::from_u128)
    }

    proptest! {
        #[test]
        fn photo_keys_stay_in_their_folder(p in uuid(), ph in uuid(), i in 0usize..4) {
            let (project, photo_id) = (ProjectId::from(p), PhotoId::from(ph));
            let key = photo(project, photo_id, PhotoObject::ALL[i]);
            prop_assert!(photo_folder(project, photo_id).contains(&key));
            prop_assert!(photos_root().contains(&key));
            prop_assert_eq!(parse(key.as_str()).map(ParsedKey::key), Some(key.clone()));
            prop_assert_eq!(key.as_str().split('/').count(), 4);
        }

        #[test]
        fn selfie_keys_stay_in_their_folder(u in uuid(), ts in 0i64..i64::MAX) {
            let user = UserId::from(u);
            let key = selfie(user, ts);
            prop_assert!(selfies_of(user).contains(&key));
            prop_assert!(selfies_root().contains(&key));
            prop_assert_eq!(parse(key.as_str()), Some(ParsedKey::Selfie { user, timestamp_ms: ts }));
        }

        #[test]
        fn operator_keys_round_trip(o in uuid()) {
            let key = operator_profile(OperatorId::from(o));
            prop_assert!(key.as_str().starts_with("operators/"));
            prop_assert_eq!(parse(key.as_str()).map(ParsedKey::key), Some(key.clone()));
        }

        #[test]
        fn archive_keys_stay_in_their_users_folder(u in uuid(), a in uuid()) {
            let (user, id) = (UserId::from(u), ArchiveId::from(a));
            let key = archive(user, id);
            prop_assert!(archives_of(user).contains(&key));
            prop_assert!(archives_root().contains(&key));
            prop_assert_eq!(parse(key.as_str()), Some(ParsedKey::Archive { user, archive: id }));
        }

        #[test]
        fn arbitrary_strings_never_parse_unless_canonical(s in "\\PC*") {
            if let Some(parsed) = parse(&s) {
                prop_assert_eq!(parsed.key().as_str().to_owned(), s.clone());
            }
        }
    }

    #[test]
    fn non_canonical_keys_are_refused() {
        let p = ProjectId::new();
        let ph = PhotoId::new();
        let good = photo(p, ph, PhotoObject::Original);
        assert!(parse(good.as_str()).is_some());
        assert!(parse(&good.as_str().to_uppercase()).is_none());
        assert!(parse(&format!("{}/extra", good)).is_none());
        assert!(parse(&format!("photos/{p}/{ph}/../x.jpg")).is_none());
        assert!(parse("selfies/x/1.jpg").is_none());
        assert!(parse(&format!("selfies/{}/+1.jpg", UserId::new())).is_none());
    }
}
