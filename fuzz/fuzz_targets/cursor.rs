//! List cursors and limits as clients send them: any input is either
//! refused or round-trips exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media_core::listing::{Cursor, PageRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = Cursor::decode(s) {
        let again = Cursor::decode(&c.encode()).expect("an encoded cursor decodes");
        assert_eq!(again, c);
    }
    let (limit, cursor) = s.split_once('\n').unwrap_or((s, ""));
    let _ = PageRequest::parse(Some(limit), Some(cursor));
});
