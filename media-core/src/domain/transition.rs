//! A guarded status change: the rule of which status may follow which, as
//! data the repositories bind into one `UPDATE … WHERE status IN (…)`.

/// Applies only while the row is in one of `from`; then the row is in `to`.
/// A repository changes nothing (and reports so) in any other status, so
/// racing paths (a late job, a second completion) cannot undo each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition<S: 'static> {
    /// The statuses this change applies to.
    pub from: &'static [S],
    /// The status after it.
    pub to: S,
}

impl<S: Copy + PartialEq + 'static> Transition<S> {
    /// Whether the change applies to a row in `status`.
    pub fn applies_to(&self, status: S) -> bool {
        self.from.contains(&status)
    }
}
