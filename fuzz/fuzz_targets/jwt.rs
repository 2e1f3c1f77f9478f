//! The bearer-token path: any string, and tokens whose three parts are
//! well-formed base64 of fuzzed JSON (to reach the claims checks). Nothing
//! may panic, and nothing unsigned by the secret may authenticate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media_adapters::jwt::{JwtAuthenticator, JwtConfig};
use media_core::domain::Audience;
use media_core::ports::Authenticator;
use std::sync::OnceLock;

fn authenticator() -> &'static JwtAuthenticator {
    static A: OnceLock<JwtAuthenticator> = OnceLock::new();
    A.get_or_init(|| {
        let config = JwtConfig {
            secret: Some("fuzzing-secret-0123456789abcdef".into()),
            ..JwtConfig::default()
        };
        JwtAuthenticator::new(config).expect("configuration")
    })
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let a = authenticator();
    if let Ok(s) = std::str::from_utf8(data) {
        for aud in [Audience::Media, Audience::Backoffice] {
            assert!(a.authenticate(s, aud).is_err(), "an unsigned string authenticated");
        }
    }
    // header \0 claims \0 signature, each part base64url-encoded.
    let mut parts = data.splitn(3, |b| *b == 0);
    let (h, c, sig) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let token = format!("{}.{}.{}", b64(h), b64(c), b64(sig));
    for aud in [Audience::Media, Audience::Backoffice] {
        assert!(a.authenticate(&token, aud).is_err(), "a forged token authenticated");
    }
});
