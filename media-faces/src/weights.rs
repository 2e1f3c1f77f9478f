//! The vendored weight files: face-api's manifests (JSON) and their `.bin`
//! files, checked against `weights/SHA256SUMS` and dequantised once at load.
//!
//! A manifest lists tensors in the order their bytes follow each other in
//! the `.bin` (integer constants the networks do not use count too). A tensor
//! with `quantization {dtype: uint8, scale, min}` takes one byte a value,
//! `q · scale + min`; one without is little-endian `float32`.

use std::collections::HashMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::LoadError;

/// One network's files, embedded in the binary.
pub(crate) struct Vendored {
    /// The network's name, as in the file names (`face_recognition_model`).
    pub name: &'static str,
    /// The manifest's JSON.
    pub manifest: &'static [u8],
    /// The weights.
    pub bin: &'static [u8],
    /// SHA-256 of the manifest, as in `weights/SHA256SUMS`.
    pub manifest_sha256: &'static str,
    /// SHA-256 of the weights, as in `weights/SHA256SUMS`.
    pub bin_sha256: &'static str,
}

macro_rules! vendored {
    ($name:literal, $manifest_sha:literal, $bin_sha:literal) => {
        Vendored {
            name: $name,
            manifest: include_bytes!(concat!("../weights/", $name, "-weights_manifest.json")),
            bin: include_bytes!(concat!("../weights/", $name, ".bin")),
            manifest_sha256: $manifest_sha,
            bin_sha256: $bin_sha,
        }
    };
}

/// SSD MobileNet v1 (face-api's default detector).
pub(crate) const SSD: Vendored = vendored!(
    "ssd_mobilenetv1_model",
    "888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955",
    "2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8"
);
/// The tiny face detector (small faces in big photos).
pub(crate) const TINY: Vendored = vendored!(
    "tiny_face_detector_model",
    "5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5",
    "b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871"
);
/// The 68-point landmark net.
pub(crate) const LANDMARKS: Vendored = vendored!(
    "face_landmark_68_model",
    "ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9",
    "4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b"
);
/// dlib's ResNet descriptor.
pub(crate) const RECOGNITION: Vendored = vendored!(
    "face_recognition_model",
    "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
    "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589"
);

#[derive(Deserialize)]
struct Group {
    weights: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    shape: Vec<usize>,
    dtype: String,
    quantization: Option<Quantization>,
}

#[derive(Deserialize)]
struct Quantization {
    dtype: String,
    scale: f32,
    min: f32,
}

/// One dequantised tensor, in its TensorFlow layout.
#[derive(Debug, Clone)]
pub(crate) struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Every tensor of one network by name.
pub(crate) struct WeightMap {
    network: &'static str,
    tensors: HashMap<String, Tensor>,
}

impl WeightMap {
    /// Takes a tensor out of the map, checking its shape.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, LoadError> {
        let tensor = self
            .tensors
            .remove(name)
            .ok_or_else(|| LoadError::Malformed(format!("{}: no tensor {name}", self.network)))?;
        if tensor.shape != shape {
            return Err(LoadError::Malformed(format!(
                "{}: {name} has shape {:?}, expected {shape:?}",
                self.network, tensor.shape
            )));
        }
        Ok(tensor.data)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks the files' digests, then parses and dequantises every tensor.
pub(crate) fn load(files: &Vendored) -> Result<WeightMap, LoadError> {
    for (what, bytes, expected) in [
        ("manifest", files.manifest, files.manifest_sha256),
        ("weights", files.bin, files.bin_sha256),
    ] {
        let actual = hex(&Sha256::digest(bytes));
        if actual != expected {
            return Err(LoadError::Checksum {
                file: format!("{} {what}", files.name),
                expected: expected.to_owned(),
                actual,
            });
        }
    }
    parse(files.name, files.manifest, files.bin)
}

/// Parses a manifest and dequantises the tensors of its `.bin`.
pub(crate) fn parse(
    network: &'static str,
    manifest: &[u8],
    bin: &[u8],
) -> Result<WeightMap, LoadError> {
    let malformed = |why: String| LoadError::Malformed(format!("{network}: {why}"));
    let groups: Vec<Group> =
        serde_json::from_slice(manifest).map_err(|e| malformed(format!("manifest: {e}")))?;
    let mut tensors = HashMap::new();
    let mut offset = 0usize;
    for entry in groups.into_iter().flat_map(|g| g.weights) {
        let count: usize = entry.shape.iter().product();
        let (size, data) = match &entry.quantization {
            Some(q) => {
                if q.dtype != "uint8" {
                    return Err(malformed(format!(
                        "{}: quantization {}",
                        entry.name, q.dtype
                    )));
                }
                let bytes = bin.get(offset..offset + count).ok_or_else(|| {
                    malformed(format!("{} past the end of the weights", entry.name))
                })?;
                (
                    count,
                    bytes
                        .iter()
                        .map(|&q8| f32::from(q8) * q.scale + q.min)
                        .collect(),
                )
            }
            None => {
                if entry.dtype != "float32" {
                    return Err(malformed(format!(
                        "{}: unquantised {}",
                        entry.name, entry.dtype
                    )));
                }
                let bytes = bin.get(offset..offset + 4 * count).ok_or_else(|| {
                    malformed(format!("{} past the end of the weights", entry.name))
                })?;
                let data = bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                (4 * count, data)
            }
        };
        offset += size;
        tensors.insert(
            entry.name,
            Tensor {
                shape: entry.shape,
                data,
            },
        );
    }
    if offset != bin.len() {
        return Err(malformed(format!(
            "the manifest covers {offset} bytes, the weights have {}",
            bin.len()
        )));
    }
    Ok(WeightMap { network, tensors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_file_matches_its_digest_and_is_covered_by_its_manifest() {
        for files in [&SSD, &TINY, &LANDMARKS, &RECOGNITION] {
            let map = load(files).unwrap_or_else(|e| panic!("{}: {e}", files.name));
            assert!(!map.tensors.is_empty());
        }
    }

    #[test]
    fn a_quantised_tensor_is_q_times_scale_plus_min_and_a_plain_one_is_f32_le() {
        let manifest = br#"[{"paths":["x.bin"],"weights":[
            {"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1.0}},
            {"name":"f","shape":[1,2],"dtype":"float32"}]}]"#;
        let mut bin = vec![0u8, 2, 255];
        bin.extend_from_slice(&1.25f32.to_le_bytes());
        bin.extend_from_slice(&(-3.0f32).to_le_bytes());
        let mut map = parse("test", manifest, &bin).unwrap();
        assert_eq!(map.take("q", &[3]).unwrap(), vec![-1.0, 0.0, 126.5]);
        assert_eq!(map.take("f", &[1, 2]).unwrap(), vec![1.25, -3.0]);
        assert!(map.take("f", &[1, 2]).is_err(), "taken once");
    }

    #[test]
    fn a_truncated_or_oversized_bin_is_an_error() {
        let manifest =
            br#"[{"paths":["x.bin"],"weights":[{"name":"f","shape":[2],"dtype":"float32"}]}]"#;
        assert!(parse("test", manifest, &[0; 7]).is_err());
        assert!(parse("test", manifest, &[0; 9]).is_err());
        assert!(parse("test", manifest, &[0; 8]).is_ok());
        let mut map = parse("test", manifest, &[0; 8]).unwrap();
        assert!(map.take("f", &[1, 2]).is_err(), "wrong shape");
    }
}
