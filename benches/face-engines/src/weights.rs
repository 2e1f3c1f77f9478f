//! face-api's TF.js weight files, read for candle: the manifest's tensors in
//! order through the `.bin` (uint8-quantised `q · scale + min`, or plain
//! little-endian f32), kept in their TensorFlow layouts.

use std::collections::HashMap;

use serde_json::Value;

pub struct Weights {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Weights {
    pub fn read(network: &str) -> Weights {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../media-faces/weights");
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(format!("{dir}/{network}-weights_manifest.json")).expect("manifest"),
        )
        .expect("manifest JSON");
        let bin = std::fs::read(format!("{dir}/{network}.bin")).expect("weights");
        let mut tensors = HashMap::new();
        let mut at = 0usize;
        for group in manifest.as_array().expect("groups") {
            for entry in group["weights"].as_array().expect("weights") {
                let shape: Vec<usize> = entry["shape"]
                    .as_array()
                    .expect("shape")
                    .iter()
                    .map(|d| d.as_u64().expect("dim") as usize)
                    .collect();
                let n: usize = shape.iter().product();
                let data: Vec<f32> = match entry.get("quantization") {
                    Some(q) => {
                        let scale = q["scale"].as_f64().expect("scale") as f32;
                        let min = q["min"].as_f64().expect("min") as f32;
                        let v = bin[at..at + n]
                            .iter()
                            .map(|&b| f32::from(b) * scale + min)
                            .collect();
                        at += n;
                        v
                    }
                    None => {
                        let v = bin[at..at + 4 * n]
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .collect();
                        at += 4 * n;
                        v
                    }
                };
                let name = entry["name"].as_str().expect("name").to_owned();
                tensors.insert(name, (shape, data));
            }
        }
        assert_eq!(at, bin.len(), "{network}: the manifest covers the weights");
        Weights { tensors }
    }

    pub fn get(&mut self, name: &str, shape: &[usize]) -> Vec<f32> {
        let (s, data) = self
            .tensors
            .remove(name)
            .unwrap_or_else(|| panic!("no tensor {name}"));
        assert_eq!(s, shape, "{name}");
        data
    }
}
