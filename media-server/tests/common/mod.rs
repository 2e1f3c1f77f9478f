//! Driving the built `media-server` binary: ports, readiness, SIGTERM.
#![allow(dead_code)] // each test crate uses a part of it

use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `{base}{path}` until it answers 200 (60 s at most).
pub async fn wait_for(base: &str, path: &str) {
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{base}{path}")).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(Instant::now() < until, "{path} did not answer 200");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM and waits (90 s at most) for a successful exit.
pub fn sigterm_and_wait(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "exit after SIGTERM: {exit}");
            return;
        }
        assert!(Instant::now() < until, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
