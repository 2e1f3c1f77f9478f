//! The image pipeline's tests, one file per concern; the fixtures here.

mod colour;
mod faces;
mod formats;
mod limits;
mod metadata;
mod watermark;

pub(super) use super::*;
pub(super) use proptest::prelude::*;

pub(super) const LIMITS: Limits = Limits {
    max_pixels: 100_000_000,
    max_bytes: 50 * 1024 * 1024,
};

/// A minimal little-endian EXIF block: Orientation in IFD0, DateTimeOriginal
/// and OffsetTimeOriginal in the Exif IFD.
pub(super) fn exif_block(
    orientation: Option<u16>,
    taken: Option<&str>,
    offset: Option<&str>,
) -> Vec<u8> {
    let mut ifd0: Vec<(u16, u16, u32, Vec<u8>)> = Vec::new(); // tag, type, count, value bytes
    if let Some(o) = orientation {
        ifd0.push((0x0112, 3, 1, o.to_le_bytes().to_vec()));
    }
    let mut exif_ifd: Vec<(u16, u16, u32, Vec<u8>)> = Vec::new();
    let ascii = |s: &str| {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        v
    };
    if let Some(t) = taken {
        let v = ascii(t);
        exif_ifd.push((0x9003, 2, v.len() as u32, v));
    }
    if let Some(o) = offset {
        let v = ascii(o);
        exif_ifd.push((0x9011, 2, v.len() as u32, v));
    }
    // Layout: header(8) | IFD0 | Exif IFD | data area.
    let ifd0_len = 2 + 12 * (ifd0.len() + 1) + 4;
    let exif_off = 8 + ifd0_len;
    let exif_len = 2 + 12 * exif_ifd.len() + 4;
    let mut data_off = exif_off + exif_len;
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    let mut data: Vec<u8> = Vec::new();
    let mut write_ifd =
        |out: &mut Vec<u8>, entries: &[(u16, u16, u32, Vec<u8>)], extra: Option<(u16, u32)>| {
            let n = entries.len() + usize::from(extra.is_some());
            out.extend((n as u16).to_le_bytes());
            for (tag, ty, count, value) in entries {
                out.extend(tag.to_le_bytes());
                out.extend(ty.to_le_bytes());
                out.extend(count.to_le_bytes());
                if value.len() <= 4 {
                    let mut v = value.clone();
                    v.resize(4, 0);
                    out.extend(v);
                } else {
                    out.extend((data_off as u32).to_le_bytes());
                    data.extend(value);
                    data_off += value.len();
                }
            }
            if let Some((tag, off)) = extra {
                out.extend(tag.to_le_bytes());
                out.extend(4u16.to_le_bytes());
                out.extend(1u32.to_le_bytes());
                out.extend(off.to_le_bytes());
            }
            out.extend(0u32.to_le_bytes());
        };
    write_ifd(&mut out, &ifd0, Some((0x8769, exif_off as u32)));
    write_ifd(&mut out, &exif_ifd, None);
    out.extend(data);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(out);
    app1
}

pub(super) fn jpeg(img: &ops::RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    crate::testing::jpeg_of(
        &img.data,
        img.width as u16,
        img.height as u16,
        95,
        exif.as_deref(),
    )
}

pub(super) fn solid(w: u32, h: u32, rgb: [u8; 3]) -> ops::RgbImage {
    ops::RgbImage::new(w, h, rgb.repeat((w * h) as usize)).unwrap()
}

pub(super) fn paint(img: &mut ops::RgbImage, corner: (bool, bool), rgb: [u8; 3]) {
    // corner: (right, bottom); paints a quarter-sized block.
    let (bw, bh) = (img.width / 4, img.height / 4);
    let x0 = if corner.0 { img.width - bw } else { 0 };
    let y0 = if corner.1 { img.height - bh } else { 0 };
    for y in y0..y0 + bh {
        for x in x0..x0 + bw {
            let i = ((y * img.width + x) * 3) as usize;
            img.data[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

pub(super) fn decode_jpeg(bytes: &[u8]) -> ops::RgbImage {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    let px = d.decode().unwrap();
    let info = d.info().unwrap();
    ops::RgbImage::new(u32::from(info.width), u32::from(info.height), px).unwrap()
}

pub(super) fn pixel_at_corner(img: &ops::RgbImage, right: bool, bottom: bool) -> [u8; 3] {
    let x = if right {
        img.width - 1 - img.width / 16
    } else {
        img.width / 16
    };
    let y = if bottom {
        img.height - 1 - img.height / 16
    } else {
        img.height / 16
    };
    let i = ((y * img.width + x) * 3) as usize;
    [img.data[i], img.data[i + 1], img.data[i + 2]]
}

pub(super) fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (i16::from(*x) - i16::from(y)).abs() < 40)
}

pub(super) const RED: [u8; 3] = [220, 20, 20];
pub(super) const GREEN: [u8; 3] = [20, 200, 20];
pub(super) const GREY: [u8; 3] = [128, 128, 128];
pub(super) const TL: (bool, bool) = (false, false);
pub(super) const TR: (bool, bool) = (true, false);
pub(super) const BL: (bool, bool) = (false, true);
pub(super) const BR: (bool, bool) = (true, true);
