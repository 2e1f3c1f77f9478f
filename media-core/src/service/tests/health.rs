//! Readiness (`health.rs`).

use super::*;

/// Issue 26: `/readyz` is unauthenticated; a client looping on it made a
/// database round trip and a store HEAD per call. Within a second the
/// answer is given again.
#[tokio::test]
async fn probes_within_a_second_ping_the_database_and_the_store_once() {
    let mut m = Mocks::new();
    m.queue.expect_ping().times(1).returning(|| Ok(()));
    m.storage.expect_ping().times(1).returning(|| Ok(()));
    let media = m.media();
    for _ in 0..5 {
        assert!(media.readiness().await.is_ready());
    }
}
