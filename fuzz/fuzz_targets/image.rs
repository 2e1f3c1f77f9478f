//! The image path a photo takes: header probe (limits checked before any
//! pixel), decode, orientation, thumbnails and the watermark. Any input must
//! end in `Ok` or an `ImageError`, never a panic, and `Ok` sizes must follow
//! the rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media_core::imaging::{
    Limits, RenderRequest, WatermarkSpec, fit_size, probe, render, thumbnail_size,
};

const LIMITS: Limits = Limits {
    // Small enough that the fuzzer stays fast; the checks are the same.
    max_pixels: 4_000_000,
    max_bytes: 1 << 20,
};

fuzz_target!(|data: &[u8]| {
    let Ok(info) = probe(data, LIMITS) else {
        return;
    };
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text: "© fuzz".into(),
            max_edge: 256,
        }),
    };
    if let Ok(out) = render(data, &request, LIMITS) {
        let (w, h) = info.oriented_size();
        assert_eq!((out.meta.width, out.meta.height), (w, h));
        assert!(out.thumb_small.is_some() && out.thumb_large.is_some());
        assert!(out.watermarked.is_some());
        let _ = (thumbnail_size(w, h, 400), fit_size(w, h, 256));
    }
});
