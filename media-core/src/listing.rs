//! Photo ordering and keyset cursors (SPEC §4): `takenAt` desc, undated last,
//! then `createdAt` desc, then `id` desc. A cursor is the sort key of the last
//! item returned; the next page starts strictly after it.

use std::cmp::Ordering;

use time::OffsetDateTime;

use crate::domain::Photo;
use crate::error::{Error, Result};
use crate::ids::{OperatorId, PhotoId, PhotographerId, ProjectId};
use crate::timestamps::{from_micros, micros};

/// Page size when the client gives no `limit` (SPEC §4).
pub const DEFAULT_LIMIT: u32 = 500;
/// The largest `limit` a client may ask for (SPEC §4).
pub const MAX_LIMIT: u32 = 1000;

/// The sort key of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The photo's `takenAt` (undated photos sort last).
    pub taken_at: Option<OffsetDateTime>,
    /// When its upload URL was issued (µs precision, as stored).
    pub created_at: OffsetDateTime,
    /// The last tie-breaker.
    pub id: PhotoId,
}

impl Cursor {
    /// The sort key of `photo`: a cursor to resume after it.
    pub fn of(photo: &Photo) -> Self {
        Self {
            taken_at: photo.taken_at,
            created_at: photo.created_at,
            id: photo.id,
        }
    }

    /// `v1.<takenAt µs or "n">.<createdAt µs>.<id>`: URL-safe, opaque to clients.
    pub fn encode(&self) -> String {
        let taken = self
            .taken_at
            .map_or_else(|| "n".to_owned(), |t| micros(t).to_string());
        format!("v1.{taken}.{}.{}", micros(self.created_at), self.id)
    }

    /// A cursor [`Cursor::encode`] wrote; anything else is
    /// [`Error::Invalid`] (`invalid_request`).
    pub fn decode(s: &str) -> Result<Self> {
        let bad = || Error::invalid("cursor is not one this service issued");
        let mut parts = s.split('.');
        if parts.next() != Some("v1") {
            return Err(bad());
        }
        let taken = parts.next().ok_or_else(bad)?;
        let created = parts.next().ok_or_else(bad)?;
        let id = parts.next().ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        let taken_at = match taken {
            "n" => None,
            t => Some(from_micros(t.parse().map_err(|_| bad())?).ok_or_else(bad)?),
        };
        Ok(Self {
            taken_at,
            created_at: from_micros(created.parse().map_err(|_| bad())?).ok_or_else(bad)?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// The listing order of SPEC §4 as a comparator (`Less` = listed first).
pub fn listing_order(a: &Cursor, b: &Cursor) -> Ordering {
    let taken = match (a.taken_at, b.taken_at) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    taken
        .then_with(|| b.created_at.cmp(&a.created_at))
        .then_with(|| b.id.cmp(&a.id))
}

/// Which photos a listing covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoScope {
    /// One project's photos (the caller's access was checked before).
    Project(ProjectId),
    /// Photos of the operator's projects, optionally narrowed. Ids outside the
    /// operator's projects match nothing.
    Operator {
        /// Whose projects.
        operator: OperatorId,
        /// Only these projects (`projectId=`); `Some(empty)` matches nothing.
        project_ids: Option<Vec<ProjectId>>,
        /// Only these photographers (`photographerId=`); `Some(empty)` matches nothing.
        photographer_ids: Option<Vec<PhotographerId>>,
    },
}

/// A page request, validated: `limit` is 1 to [`MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    after: Option<Cursor>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// `limit` photos after `after` (from the start when `None`); a limit
    /// outside 1 to [`MAX_LIMIT`] is [`Error::Invalid`].
    pub fn new(limit: u32, after: Option<Cursor>) -> Result<Self> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(format!("limit must be 1 to {MAX_LIMIT}")));
        }
        Ok(Self { limit, after })
    }

    /// How many photos a page holds at most.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Where the page starts (strictly after this photo).
    pub fn after(&self) -> Option<Cursor> {
        self.after
    }

    /// Validates the raw query values of a listing.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<u32>()
                .map_err(|_| Error::invalid(format!("limit must be 1 to {MAX_LIMIT}")))?,
        };
        let after = cursor.map(Cursor::decode).transpose()?;
        Self::new(limit, after)
    }
}

/// What a repository is asked for: one more row than the page, to know whether more remain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoQuery {
    /// Which photos.
    pub scope: PhotoScope,
    /// Strictly after this one, in listing order.
    pub after: Option<Cursor>,
    /// At most this many rows.
    pub limit: u32,
}

/// A page of results; `next` is set when more remain.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page, in listing order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn cursor() -> impl Strategy<Value = Cursor> {
        (
            proptest::option::of(0i64..4_000_000_000_000_000),
            0i64..4_000_000_000_000_000,
            any::<u128>(),
        )
            .prop_map(|(t, c, id)| Cursor {
                taken_at: t.and_then(from_micros),
                created_at: from_micros(c).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                id: PhotoId::from(Uuid::from_u128(id)),
            })
    }

    /// A small domain of values so that ties happen often.
    fn tied_cursor() -> impl Strategy<Value = Cursor> {
        (proptest::option::of(0i64..3), 0i64..3, 0u128..3).prop_map(|(t, c, id)| Cursor {
            taken_at: t.and_then(from_micros),
            created_at: from_micros(c).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            id: PhotoId::from(Uuid::from_u128(id)),
        })
    }

    proptest! {
        #[test]
        fn cursor_round_trips(c in cursor()) {
            prop_assert_eq!(Cursor::decode(&c.encode())?, c);
        }

        #[test]
        fn garbage_cursors_are_invalid_not_panics(s in "\\PC*") {
            let _ = Cursor::decode(&s);
        }

        #[test]
        fn order_is_total_and_puts_undated_last(mut v in proptest::collection::vec(tied_cursor(), 0..40)) {
            v.sort_by(listing_order);
            for w in v.windows(2) {
                prop_assert_ne!(listing_order(&w[0], &w[1]), Ordering::Greater);
                if w[0].taken_at.is_none() { prop_assert!(w[1].taken_at.is_none()); }
                if let (Some(a), Some(b)) = (w[0].taken_at, w[1].taken_at) { prop_assert!(a >= b); }
            }
        }

        #[test]
        fn paging_with_cursors_visits_every_item_once(
            v in proptest::collection::btree_set(0u128..1000, 0..60),
            page in 1usize..7,
        ) {
            // Distinct ids; sort keys with many ties.
            let items: Vec<Cursor> = v.into_iter().map(|id| Cursor {
                taken_at: (id % 3 != 0).then(|| from_micros((id % 5) as i64)).flatten(),
                created_at: from_micros((id % 2) as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                id: PhotoId::from(Uuid::from_u128(id)),
            }).collect();
            let mut sorted = items.clone();
            sorted.sort_by(listing_order);
            let mut seen = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let wire = after.map(|c| c.encode());
                let after_decoded = wire.as_deref().map(Cursor::decode).transpose()?;
                let next: Vec<Cursor> = sorted.iter().copied()
                    .filter(|c| after_decoded.is_none_or(|a| listing_order(c, &a) == Ordering::Greater))
                    .take(page).collect();
                if next.is_empty() { break; }
                after = next.last().copied();
                seen.extend(next);
            }
            prop_assert_eq!(seen, sorted);
        }
    }

    #[test]
    fn limits_are_validated() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit(), 500);
        assert_eq!(
            PageRequest::parse(Some("1000"), None).unwrap().limit(),
            1000
        );
        for bad in ["0", "1001", "-1", "x", ""] {
            assert!(PageRequest::parse(Some(bad), None).is_err(), "{bad}");
        }
        assert!(PageRequest::parse(None, Some("v2.n.1.x")).is_err());
    }
}
