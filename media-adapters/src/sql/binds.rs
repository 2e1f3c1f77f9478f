//! A statement's arguments, numbered as they are bound.
//!
//! Both dialects read `$n` placeholders (sqlx's `Any` driver passes the text
//! through, and SQLite takes `$n` as a numbered parameter), so a value's
//! placeholder is the count of values bound before it plus one. A guarded
//! update names its values, its guard's statuses included, where it writes
//! them, and no placeholder number is counted by hand.

use sqlx::any::{Any, AnyArguments};
use sqlx::error::BoxDynError;
use sqlx::query::Query;
use sqlx::{Arguments, Encode, Type};

use media_core::error::{Error, Result};

/// The values of one statement, in the order of their placeholders.
#[derive(Default)]
pub struct Binds<'q> {
    args: AnyArguments<'q>,
    count: usize,
    /// The first value that could not be encoded: [`Binds::query`] says so.
    error: Option<BoxDynError>,
}

impl<'q> Binds<'q> {
    /// No values yet: the first bound is `$1`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `value` and returns its placeholder, `$n`; a value used twice
    /// in a statement is bound once and its placeholder written twice.
    pub fn bind<T>(&mut self, value: T) -> String
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
        self.count += 1;
        format!("${}", self.count)
    }

    /// `$a, $b, …`: one placeholder per value, bound in order.
    pub fn list<T, I>(&mut self, values: I) -> String
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
        I: IntoIterator<Item = T>,
    {
        let placeholders: Vec<String> = values.into_iter().map(|v| self.bind(v)).collect();
        placeholders.join(", ")
    }

    /// `column IN ($a, …)` with the code of each status of `statuses` bound:
    /// a transition's guard (its `from`), or a filter on job statuses.
    pub fn any_of<S>(&mut self, column: &str, statuses: &[S]) -> String
    where
        S: Copy + Into<&'static str>,
    {
        let codes = self.list(statuses.iter().map(|&s| s.into()));
        format!("{column} IN ({codes})")
    }

    /// The statement `sql` (written with these placeholders) and its values.
    pub fn query(self, sql: &'q str) -> Result<Query<'q, Any, AnyArguments<'q>>> {
        match self.error {
            Some(e) => Err(Error::permanent(format!("a value could not be bound: {e}"))),
            None => Ok(sqlx::query_with(sql, self.args)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_the_order_values_are_bound() {
        let mut b = Binds::new();
        let id = b.bind("a");
        let guard = b.any_of("status", &["queued", "running"]);
        let limit = b.bind(5_i64);
        assert_eq!(
            (id.as_str(), guard.as_str(), limit.as_str()),
            ("$1", "status IN ($2, $3)", "$4")
        );
        assert_eq!(b.list(Vec::<i64>::new()), "");
        assert_eq!(b.count, 4);
    }
}
