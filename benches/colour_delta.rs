//! Wide-gamut files and how far their thumbnails land from the sRGB truth
//! (issue 13): the helper of `benches/colour_vs_sharp.sh`.
//!
//!     cargo bench --bench colour_delta -- make OUT FILE.jpg…    # FILE-adobe.jpg, -p3.jpg, -prophoto.jpg (and -…-untagged.jpg) in OUT
//!     cargo bench --bench colour_delta -- delta REF.jpg TEST.jpg # mean CIE76 ΔE of TEST against REF
//!
//! `make` converts each sRGB file's pixels to Adobe RGB (1998), Display P3
//! and ProPhoto RGB with moxcms and writes them as q95 JPEGs with the
//! profile embedded (APP2): the same colours, other numbers. `delta`
//! decodes two same-size JPEGs and prints the mean ΔE (CIE76, D65 Lab) of
//! their pixels, reading both as sRGB — what a browser shows of an untagged
//! thumbnail.

use std::path::Path;

use moxcms::{ColorProfile, Layout, TransformOptions};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn decode(path: &Path) -> Result<(usize, usize, Vec<u8>), BoxError> {
    let bytes = std::fs::read(path)?;
    let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    let pixels = d.decode()?;
    let info = d.info().ok_or("no frame header")?;
    if info.pixel_format != jpeg_decoder::PixelFormat::RGB24 {
        return Err(format!("{}: not an RGB JPEG", path.display()).into());
    }
    Ok((usize::from(info.width), usize::from(info.height), pixels))
}

fn make(out: &Path, files: &[String]) -> Result<(), BoxError> {
    let srgb = ColorProfile::new_srgb();
    for file in files {
        let path = Path::new(file);
        let stem = path
            .file_stem()
            .ok_or("file name")?
            .to_string_lossy()
            .into_owned();
        let (w, h, rgb) = decode(path)?;
        for (name, profile) in [
            ("adobe", ColorProfile::new_adobe_rgb()),
            ("p3", ColorProfile::new_display_p3()),
            ("prophoto", ColorProfile::new_pro_photo_rgb()),
        ] {
            let t = srgb.create_transform_8bit(
                Layout::Rgb,
                &profile,
                Layout::Rgb,
                TransformOptions::default(),
            )?;
            let mut converted = vec![0u8; rgb.len()];
            t.transform(&rgb, &mut converted)?;
            // Tagged, and the same numbers untagged: what reading the
            // numbers as sRGB (before colour management) shows.
            for (suffix, tagged) in [("", true), ("-untagged", false)] {
                let target = out.join(format!("{stem}-{name}{suffix}.jpg"));
                let mut enc = jpeg_encoder::Encoder::new_file(&target, 95)?;
                if tagged {
                    enc.add_icc_profile(&profile.encode()?)?;
                }
                enc.encode(
                    &converted,
                    u16::try_from(w)?,
                    u16::try_from(h)?,
                    jpeg_encoder::ColorType::Rgb,
                )?;
                println!("{}", target.display());
            }
        }
    }
    Ok(())
}

/// sRGB 8-bit to CIE Lab (D65).
fn lab(p: &[u8]) -> [f64; 3] {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(p[0]), lin(p[1]), lin(p[2]));
    let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

fn delta(reference: &Path, test: &Path) -> Result<(), BoxError> {
    let (rw, rh, r) = decode(reference)?;
    let (tw, th, t) = decode(test)?;
    if (rw, rh) != (tw, th) {
        return Err(format!("sizes differ: {rw}x{rh} and {tw}x{th}").into());
    }
    let total: f64 = r
        .chunks_exact(3)
        .zip(t.chunks_exact(3))
        .map(|(a, b)| {
            let (a, b) = (lab(a), lab(b));
            ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
        })
        .sum();
    println!("{:.2}", total / (rw * rh) as f64);
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("make") if args.len() >= 3 => make(Path::new(&args[1]), &args[2..]),
        Some("delta") if args.len() == 3 => delta(Path::new(&args[1]), Path::new(&args[2])),
        _ => Err("usage: make OUT FILE.jpg… | delta REF.jpg TEST.jpg".into()),
    }
}
