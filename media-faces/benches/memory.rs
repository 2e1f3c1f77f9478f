//! Peak heap of one `find_faces` call, beyond its input and the shared
//! weights (BENCHMARKS.md, "Built-in face engine"): what the decode budget
//! reserves for the engine (`working_memory` in media-adapters' builtin.rs).
//! A counting global allocator; the engine is loaded before counting.
//!
//! `cargo bench -p media-faces --bench memory`
//!
//! One JSON line per image: its size, the faces found, the peak bytes the
//! call held over what was in use when it began, and those bytes per pixel.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use media_faces::{Engine, Image, Options};

mod common;

use common::{decode, group_photo};

/// The system allocator, counting bytes in use and their high-water mark.
struct Counting {
    in_use: AtomicUsize,
    peak: AtomicUsize,
}

// SAFETY: every call is forwarded as is to the system allocator; the
// counters are only read, never trusted for memory safety.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = self.in_use.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        self.in_use.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static HEAP: Counting = Counting {
    in_use: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
};

/// `rgb` enlarged `k` times (nearest): a larger photo with the same faces.
fn enlarged(w: u32, h: u32, rgb: &[u8], k: u32) -> (u32, u32, Vec<u8>) {
    let (ow, oh) = (w * k, h * k);
    let mut out = vec![0u8; (ow * oh * 3) as usize];
    for y in 0..oh as usize {
        for x in 0..ow as usize {
            let src = ((y / k as usize) * w as usize + x / k as usize) * 3;
            out[(y * ow as usize + x) * 3..][..3].copy_from_slice(&rgb[src..src + 3]);
        }
    }
    (ow, oh, out)
}

/// A portrait crop of `rgb` around the point `(cx, cy)`.
fn crop(w: u32, h: u32, rgb: &[u8], cx: u32, cw: u32) -> (u32, u32, Vec<u8>) {
    let x0 = cx.saturating_sub(cw / 2).min(w - cw);
    let mut out = Vec::with_capacity((cw * h * 3) as usize);
    for y in 0..h as usize {
        let row = (y * w as usize + x0 as usize) * 3;
        out.extend_from_slice(&rgb[row..row + cw as usize * 3]);
    }
    (cw, h, out)
}

fn main() {
    let engine = Engine::shared().expect("weights");
    let opts = Options::default();
    let (w, h, photo) = decode("sample1.jpg");
    let (gw, gh, group) = group_photo();
    // The selfie: sample1's right-hand face alone, 720 × 1280 portrait.
    let selfie = crop(w, h, &photo, 1578, 720);
    let big = enlarged(gw, gh, &group, 2);
    let cases = [
        ("selfie_720x1280", selfie),
        ("photo_1920x1280", (w, h, photo.clone())),
        ("group_3000x2000", (gw, gh, group.clone())),
        ("group_6000x4000", big),
    ];
    for (name, (width, height, rgb)) in cases {
        let image = Image {
            width,
            height,
            rgb: &rgb,
        };
        let before = HEAP.in_use.load(Ordering::SeqCst);
        HEAP.peak.store(before, Ordering::SeqCst);
        let found = engine.find_faces(&image, &opts).expect("find_faces");
        let peak = HEAP.peak.load(Ordering::SeqCst) - before;
        let pixels = u64::from(width) * u64::from(height);
        println!(
            "{}",
            serde_json::json!({
                "image": name,
                "width": width,
                "height": height,
                "faces": found.faces.len(),
                "peak_bytes": peak,
                "peak_mb": (peak as f64 / 1048576.0 * 10.0).round() / 10.0,
                "bytes_per_pixel": (peak as f64 / pixels as f64 * 100.0).round() / 100.0,
            })
        );
    }
}
