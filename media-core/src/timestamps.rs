//! Timestamps at the database's precision (microseconds since the Unix
//! epoch), so a value written and read back compares equal.

use time::OffsetDateTime;

/// Microseconds since the Unix epoch: the precision the database keeps.
pub fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

/// The instant `us` microseconds after the epoch; `None` outside `time`'s range.
pub fn from_micros(us: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000).ok()
}

/// Truncates to the database's precision, so values round-trip exactly.
pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(micros(t)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_times_round_trip_through_micros() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let us = micros(t);
        assert_eq!(us, 1_700_000_000_123_456);
        assert_eq!(from_micros(us), Some(truncate_to_micros(t)));
        assert_eq!(
            truncate_to_micros(truncate_to_micros(t)),
            truncate_to_micros(t)
        );
    }
}
