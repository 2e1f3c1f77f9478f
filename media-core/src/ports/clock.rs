use time::OffsetDateTime;

/// The current time. Tests freeze and advance it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC. The core reads it once per use case and hands it to
    /// every port call that needs a time: adapters never read a clock.
    fn now(&self) -> OffsetDateTime;
}
