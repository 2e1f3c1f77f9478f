//! The watermark on light and dark photos, and its size.

use super::*;

#[test]
fn watermark_is_drawn_on_light_and_dark() {
    for base in [[250u8, 250, 250], [5, 5, 5]] {
        let file = jpeg(&solid(1000, 600, base), None);
        let request = RenderRequest {
            thumbnails: false,
            watermark: Some(WatermarkSpec {
                text: "© Wairo".into(),
                max_edge: 2560,
            }),
        };
        let out = render(&file, &request, LIMITS).unwrap();
        let img = decode_jpeg(&out.watermarked.unwrap());
        assert_eq!((img.width, img.height), (1000, 600));
        // The bottom-right corner region differs visibly from the background somewhere.
        let changed = (500..600)
            .flat_map(|y| (700..1000).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = ((y * 1000 + x) * 3) as usize;
                (i16::from(img.data[i]) - i16::from(base[0])).abs() > 40
            })
            .count();
        assert!(
            changed > 200,
            "watermark not visible on {base:?}: {changed}"
        );
        // and the top-left is untouched
        assert!(close(pixel_at_corner(&img, false, false), base));
    }
}

#[test]
fn watermark_never_enlarges_and_fits_the_edge() {
    assert_eq!(fit_size(6000, 4000, 2560), (2560, 1707));
    assert_eq!(fit_size(4000, 6000, 2560), (1707, 2560));
    assert_eq!(fit_size(1000, 600, 2560), (1000, 600));
}
