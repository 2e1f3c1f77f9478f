//! A batch of a project's faces prepared once for many members' selfies.

use std::collections::HashMap;

use super::QuantizedFaces;
use super::reference::{best_matches, collect_matches};
use crate::domain::{FaceMatch, PhotoFace};
use crate::ids::{PhotoId, ProjectId, UserId};

/// One batch of a project's faces (in `seq` order), prepared once and
/// matched against many members' selfies: what `cluster_faces` for a whole
/// project runs.
pub struct FaceBatch<'a> {
    faces: &'a [PhotoFace],
    index: QuantizedFaces,
}

impl<'a> FaceBatch<'a> {
    /// Quantizes `faces` once (faces whose embedding length differs from the
    /// first one's are left out).
    pub fn new(faces: &'a [PhotoFace]) -> Self {
        let dim = faces.first().map_or(1, |f| f.embedding.len());
        let flat: Vec<f32> = faces
            .iter()
            .filter(|f| f.embedding.len() == dim)
            .flat_map(|f| f.embedding.iter().copied())
            .collect();
        // A face of another length (never stored by Retina's adapter) would
        // shift every index after it: fall back to nothing rather than guess.
        let index = if flat.len() == faces.len() * dim {
            QuantizedFaces::new(&flat, dim)
        } else {
            QuantizedFaces::new(&[], dim)
        };
        Self { faces, index }
    }

    /// Like [`best_matches`] over the faces with `seq > after`.
    pub fn best_matches(
        &self,
        project: ProjectId,
        user: UserId,
        query: &[f32],
        after: i64,
        max_distance: f32,
    ) -> Vec<FaceMatch> {
        let start = self.faces.partition_point(|f| f.seq <= after);
        if self.index.len() != self.faces.len() {
            return best_matches(project, user, query, &self.faces[start..], max_distance);
        }
        let mut best: HashMap<PhotoId, f32> = HashMap::new();
        self.index.scan_from(start, query, max_distance, |i, d| {
            best.entry(self.faces[i].photo_id)
                .and_modify(|b| *b = b.min(d))
                .or_insert(d);
        });
        collect_matches(project, user, best)
    }
}
