//! The storage-event webhook body (S3 and R2 forms): any JSON yields keys,
//! and every key the parser accepts is rebuilt identically from typed ids.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media_core::keys;
use media_server::api::webhook::event_keys;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for key in event_keys(&body) {
        if let Some(parsed) = keys::parse(&key) {
            assert_eq!(parsed.key().to_string(), key);
        }
    }
});
