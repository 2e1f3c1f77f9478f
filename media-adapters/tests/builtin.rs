//! The built-in face engine behind the port (SPEC §7a): loaded once,
//! shown decoded images, naming its model; what it refuses is permanent.

use media_adapters::builtin::{BuiltinEngine, MODEL};
use media_core::Error;
use media_core::imaging::RgbImage;
use media_core::ports::{FaceEmbedder, FaceInput};

#[tokio::test]
async fn the_built_in_engine_is_shown_pixels_and_names_its_model() {
    let engine = BuiltinEngine::load().expect("the vendored weights load");
    assert!(engine.is_configured());
    assert_eq!(engine.input(), FaceInput::Image);
    assert_eq!(engine.model().as_deref(), Some(MODEL));
    // Only its own embeddings stay; Retina's are described again.
    assert!(engine.keeps(MODEL));
    assert!(!engine.keeps("retina") && !engine.keeps("arcface-r100"));
    // Never a URL.
    assert!(matches!(
        engine.detect_faces("https://store/x").await,
        Err(Error::Invalid { .. })
    ));
    // A grey image has no face; an empty one is refused for good.
    let grey = RgbImage::new(320, 240, vec![128; 320 * 240 * 3]).unwrap();
    assert!(engine.faces_in_image(&grey, 40).unwrap().is_empty());
    let empty = RgbImage::new(0, 0, Vec::new()).unwrap();
    assert!(matches!(
        engine.faces_in_image(&empty, 40),
        Err(Error::Permanent(_))
    ));
    // Its working memory is counted: measured not to grow with the image
    // (BENCHMARKS.md, "Built-in face engine").
    assert!(engine.working_memory(6000, 4000) >= 37_000_000);
    assert_eq!(
        engine.working_memory(6000, 4000),
        engine.working_memory(300, 200)
    );
}
