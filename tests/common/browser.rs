//! A headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`), spoken with the reqwest the tests already have: a
//! session, a page, a script run in it, a screenshot (decision 0031).
//! Missing browser: the test is skipped, unless `MEDIA_REQUIRE_BROWSER=1`
//! (CI), where it fails.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A browser session; [`Browser::close`] ends it (dropping kills the driver).
pub struct Browser {
    driver: Child,
    session: String,
    base: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// The first of `names` that is an executable file on `PATH` (or a path).
fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        let direct = Path::new(name);
        if direct.is_absolute() {
            return direct.is_file().then(|| direct.to_owned());
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a: SocketAddr| a.port())
        .unwrap()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; `None` (test
    /// skipped) when either is missing and `MEDIA_REQUIRE_BROWSER` is not set.
    pub async fn start() -> Option<Self> {
        // Debian's /usr/bin/chromium is a launcher script; the binary is beside the driver.
        let chromium = find(&["/usr/lib/chromium/chromium", "chromium", "chromium-browser"]);
        let driver = find(&["chromedriver", "/usr/lib/chromium/chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            assert!(
                std::env::var("MEDIA_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "MEDIA_REQUIRE_BROWSER=1 but chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipped: chromium or chromedriver not installed");
            return None;
        };
        let port = free_port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut up = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(up, "chromedriver did not answer on {base}");
        let profile = tempfile::tempdir().unwrap();
        // As root in a closed network: no sandbox, and nothing that phones home
        // (its connections are refused here and slow every page down).
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1024",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "timeouts": {"script": 120_000, "pageLoad": 30_000},
        }}});
        let mut browser = Self {
            driver,
            session: String::new(),
            base,
            http,
            _profile: profile,
        };
        let created = browser.call("POST", "/session", caps).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Some(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let r = request.send().await.expect("chromedriver answers");
        let status = r.status();
        let v: Value = r.json().await.expect("chromedriver's JSON");
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {v}"
        );
        v["value"].clone()
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    /// Opens `url` and waits for its load.
    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), json!({ "url": url }))
            .await;
    }

    /// Runs `body`, an async function's body with `args` as `args`, in the
    /// page; returns what it returns, or panics with what it threw.
    pub async fn run(&self, body: &str, args: Value) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1]; const args = arguments[0];
             (async () => {{ {body} }})().then(
               v => done({{ok: v === undefined ? null : v}}),
               e => done({{error: String(e && e.stack || e)}}));"
        );
        let v = self
            .call(
                "POST",
                &self.at("/execute/async"),
                json!({"script": script, "args": [args]}),
            )
            .await;
        if let Some(e) = v.get("error") {
            panic!(
                "the page's script threw: {}",
                e.as_str().unwrap_or_default()
            );
        }
        v["ok"].clone()
    }

    /// Saves a PNG of the page under `target/browser-screenshots/` (CI keeps
    /// that folder); returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine;
        let png = self.call("GET", &self.at("/screenshot"), Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Ends the session (Chromium quits) and the driver.
    pub async fn close(mut self) {
        let at = self.at("");
        self.call("DELETE", &at, Value::Null).await;
        self.session.clear();
    }
}

impl Drop for Browser {
    /// A failed test still ends its Chromium: killing the driver alone
    /// would leave the browser running.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            use std::io::{Read, Write};
            let host = self.base.trim_start_matches("http://");
            if let Ok(mut s) = std::net::TcpStream::connect(host) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    s,
                    "DELETE /session/{} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A page origin of its own: serves `html` at `/` on a free loopback port.
pub async fn serve_page(html: &'static str) -> String {
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(html) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}
