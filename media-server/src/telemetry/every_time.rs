//! A per-layer filter that is asked at every event and span, never only at
//! its callsite's registration.
//!
//! tracing-subscriber carries each per-layer filter's verdict from
//! `enabled` to `on_event` in a thread-local bitmap. A callsite cached as
//! "always" skips `enabled`, so its event reads whatever the last `enabled`
//! call on that thread left there. The `log` bridge asks `enabled` with
//! metadata no callsite caches, and sqlx asks `log` after every statement:
//! when the filters said no, the next "always" event on that thread was
//! dropped from every layer. With `RUST_LOG=sqlx::pool=trace`, 0 of 20
//! pool waits were counted (`tests/pool_waits.rs`; tokio-rs/tracing#2519).
//! Capping the interest at "sometimes" makes each event ask its filters
//! first, which overwrites the stale verdict: one filter evaluation per
//! enabled event, a comparison of a target and a level.

use tracing::subscriber::Interest;
use tracing::{Event, Metadata, span};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Filter};

/// `filter`, asked at every event and span.
pub fn every_time<F>(filter: F) -> EveryTime<F> {
    EveryTime(filter)
}

/// See [`every_time`].
#[derive(Debug)]
pub struct EveryTime<F>(F);

impl<S, F: Filter<S>> Filter<S> for EveryTime<F> {
    fn enabled(&self, meta: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        self.0.enabled(meta, cx)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        let interest = self.0.callsite_enabled(meta);
        if interest.is_always() {
            Interest::sometimes()
        } else {
            interest
        }
    }

    fn event_enabled(&self, event: &Event<'_>, cx: &Context<'_, S>) -> bool {
        self.0.event_enabled(event, cx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.0.max_level_hint()
    }

    // An `EnvFilter` with span-field directives tracks spans through these.
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_new_span(attrs, id, cx)
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        self.0.on_record(id, values, cx)
    }

    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_enter(id, cx)
    }

    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_exit(id, cx)
    }

    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        self.0.on_close(id, cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    struct Count(Arc<AtomicUsize>);
    impl<S: tracing::Subscriber> Layer<S> for Count {
        fn on_event(&self, _: &Event<'_>, _: Context<'_, S>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// What the `log` bridge does for `log::log_enabled!`: asks the
    /// dispatcher about metadata of no registered callsite.
    fn ask_about_unwanted_target() {
        struct Unregistered;
        static UNREGISTERED: Unregistered = Unregistered;
        static FIELDS: &[&str] = &[];
        static META: Metadata<'static> = tracing::Metadata::new(
            "log record",
            "unwanted",
            tracing::Level::DEBUG,
            None,
            None,
            None,
            tracing::field::FieldSet::new(FIELDS, tracing::callsite::Identifier(&UNREGISTERED)),
            tracing::metadata::Kind::EVENT,
        );
        impl tracing::callsite::Callsite for Unregistered {
            fn set_interest(&self, _: Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                &META
            }
        }
        tracing::dispatcher::get_default(|d| d.enabled(&META));
    }

    fn events_seen(wrap: bool) -> usize {
        let seen = Arc::new(AtomicUsize::new(0));
        let targets = Targets::new().with_target("wanted", tracing::Level::TRACE);
        let layer = if wrap {
            Count(seen.clone()).with_filter(every_time(targets)).boxed()
        } else {
            Count(seen.clone()).with_filter(targets).boxed()
        };
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            for _ in 0..5 {
                ask_about_unwanted_target();
                tracing::trace!(target: "wanted", "an event every layer wants");
            }
        });
        seen.load(Ordering::Relaxed)
    }

    #[test]
    fn an_event_after_a_refused_log_question_still_reaches_its_layer() {
        // The defect itself first, so that a tracing-subscriber which fixes
        // it shows here and this wrapper can go. One test: callsite interest
        // is shared by every subscriber alive in the process.
        assert!(events_seen(false) < 5, "tracing-subscriber fixed #2519?");
        assert_eq!(events_seen(true), 5);
    }
}
