//! Slow clients (issue: nothing unbounded): a client that never finishes
//! its headers does not keep its socket, and a thousand of them do not
//! delay a normal request.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_closed_and_do_not_delay_others() {
    let Some(app) = TestApp::start_with(false, &[("MEDIA_HEADER_READ_TIMEOUT_SECONDS", "2")]).await
    else {
        return;
    };
    let addr = app.running().addr.expect("listening");
    let mut slow = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        // Headers begun, never finished.
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "a normal request is served beside them");

    // Every half-sent request is closed by the server (EOF or reset).
    let until = Instant::now() + Duration::from_secs(30);
    for (i, s) in slow.iter_mut().enumerate() {
        let left = until.saturating_duration_since(Instant::now());
        let mut buf = [0u8; 512];
        let closed = loop {
            match tokio::time::timeout(left, s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break true,
                Ok(Ok(_)) => continue, // a 408 or similar before the close
                Err(_) => break false,
            }
        };
        assert!(closed, "connection {i} still open after 30 s");
    }
    app.shutdown().await;
}
