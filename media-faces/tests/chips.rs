//! Fidelity of the recognition net: for the same 150×150 chip, our
//! descriptor against face-api 1.7.15's own (tfjs WASM), for the 22 faces of
//! the six demo photos (chips made by face-api's crop, rounded to 8 bits).

use std::collections::BTreeMap;

use media_faces::{DESCRIPTOR_DIM, Engine};

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum();
    let na: f64 = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn our_descriptor_of_each_chip_is_face_apis_to_a_cosine_of_0_999() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/chips");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/faceapi_descriptors.json")).unwrap(),
    )
    .unwrap();
    let expected: BTreeMap<String, Vec<f32>> =
        serde_json::from_value(expected["descriptors"].clone()).unwrap();
    assert!(expected.len() >= 20, "{} chips", expected.len());
    let engine = Engine::shared().unwrap();
    let mut worst = (1.0f64, String::new());
    for (chip, want) in &expected {
        let rgb = std::fs::read(format!("{dir}/{chip}")).unwrap();
        let got = engine.describe_chip(&rgb).unwrap();
        assert_eq!(got.len(), DESCRIPTOR_DIM);
        let cos = cosine(&got, want);
        let euclid: f64 = got
            .iter()
            .zip(want)
            .map(|(&a, &b)| f64::from(a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        eprintln!("{chip}: cosine {cos:.7}, Euclidean {euclid:.5}");
        if cos < worst.0 {
            worst = (cos, chip.clone());
        }
    }
    assert!(
        worst.0 >= 0.999,
        "worst chip {}: cosine {}",
        worst.1,
        worst.0
    );
}

#[test]
fn a_chip_of_the_wrong_size_is_an_error_and_a_black_chip_a_finite_descriptor() {
    let engine = Engine::shared().unwrap();
    assert!(engine.describe_chip(&[0u8; 10]).is_err());
    let black = engine.describe_chip(&vec![0u8; 150 * 150 * 3]).unwrap();
    assert!(black.iter().all(|v| v.is_finite()));
}
