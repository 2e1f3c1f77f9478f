//! The text watermark: bold DejaVu Sans, bottom-right, white at 55 % opacity
//! with a thin dark outline at 35 %, so it reads on light and dark photos
//! without dominating them (the look of the seed's Sharp pipeline).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use super::ops::RgbImage;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans-Bold.ttf");

fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

const FILL_OPACITY: f32 = 0.55;
const STROKE_OPACITY: f32 = 0.35;

/// Coverage mask of `text` (0..1 per pixel), its width and height.
fn rasterize(font: &FontRef<'_>, text: &str, px: f32, pad: usize) -> (Vec<f32>, usize, usize) {
    let scale = PxScale::from(px);
    let scaled = font.as_scaled(scale);
    let ascent = scaled.ascent();
    let mut caret = 0.0f32;
    let mut glyphs = Vec::new();
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        glyphs.push(
            id.with_scale_and_position(scale, point(caret + pad as f32, ascent + pad as f32)),
        );
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    let w = caret.ceil() as usize + 2 * pad;
    let h = (ascent - scaled.descent()).ceil() as usize + 2 * pad;
    let mut mask = vec![0.0f32; w * h];
    for g in glyphs {
        if let Some(outlined) = font.outline_glyph(g) {
            let b = outlined.px_bounds();
            outlined.draw(|x, y, c| {
                let (px, py) = (b.min.x as i64 + i64::from(x), b.min.y as i64 + i64::from(y));
                if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                    let i = py as usize * w + px as usize;
                    mask[i] = mask[i].max(c.min(1.0));
                }
            });
        }
    }
    (mask, w, h)
}

/// Grows the mask by `r` pixels (max filter): the outline around the glyphs.
fn dilate(mask: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut horiz = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (lo, hi) = (x.saturating_sub(r), (x + r).min(w - 1));
            horiz[y * w + x] = mask[y * w + lo..=y * w + hi]
                .iter()
                .copied()
                .fold(0.0, f32::max);
        }
    }
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        let (lo, hi) = (y.saturating_sub(r), (y + r).min(h - 1));
        for x in 0..w {
            out[y * w + x] = (lo..=hi).map(|yy| horiz[yy * w + x]).fold(0.0, f32::max);
        }
    }
    out
}

/// Draws `text` in the bottom-right corner of `img`, sized to the image.
pub fn overlay_text(img: &mut RgbImage, text: &str) {
    let Some(font) = font() else { return };
    if text.trim().is_empty() || img.width < 16 || img.height < 16 {
        return;
    }
    let long = img.width.max(img.height) as f32;
    let px = (long * 0.035).round().max(12.0);
    let stroke = (px / 48.0).ceil().max(1.0) as usize;
    let (mask, mw, mh) = rasterize(font, text, px, stroke);
    let outline = dilate(&mask, mw, mh, stroke);

    let (iw, ih) = (img.width as usize, img.height as usize);
    // Right edge 0.3 em in from the image's, baseline area 0.4 em up (as the seed did).
    let right = iw as i64 - (px * 0.3).round() as i64;
    let bottom = ih as i64 - (px * 0.25).round() as i64;
    let (ox, oy) = (right - mw as i64, bottom - mh as i64);
    for my in 0..mh {
        let y = oy + my as i64;
        if y < 0 || y >= ih as i64 {
            continue;
        }
        for mx in 0..mw {
            let x = ox + mx as i64;
            if x < 0 || x >= iw as i64 {
                continue;
            }
            let (fill, line) = (mask[my * mw + mx], outline[my * mw + mx]);
            if line <= 0.0 {
                continue;
            }
            let i = (y as usize * iw + x as usize) * 3;
            for c in &mut img.data[i..i + 3] {
                let mut v = f32::from(*c);
                v *= 1.0 - STROKE_OPACITY * line; // dark outline under the fill
                let a = FILL_OPACITY * fill;
                v = v * (1.0 - a) + 255.0 * a;
                *c = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}
