//! `build_archive`: a ZIP of the member's matched photos, watermarked
//! copies only, streamed store → store in a multipart upload (SPEC §3.13b).

use time::OffsetDateTime;

use super::JobOutcome;
use crate::domain::{ArchiveContents, ArchiveStatus, MatchedPhoto, matches_digest};
use crate::error::{Error, Result};
use crate::ids::{ArchiveId, ProjectId};
use crate::keys::{self, PhotoObject, StorageKey};
use crate::ports::Fetched;
use crate::service::Media;
use crate::zip::ZipWriter;

/// One part of the multipart upload. S3 wants ≥ 5 MiB for every part but
/// the last; 8 MiB keeps 1,000 photos (~1 GB) at ~125 parts, far from the
/// 10,000-part limit (80 GB), and is most of what the job holds: the part
/// being filled, plus the one watermarked copy being added.
pub(crate) const ARCHIVE_PART: usize = 8 << 20;

/// Watermarked copies read ahead of the one being added (each ≤ ~1.5 MB at
/// 2560 px): see BENCHMARKS.md "Archives" for what it bought.
const READ_AHEAD: usize = 4;

/// Unicode format characters (category Cf): bidi overrides and isolates
/// (U+202E shows `gpj.exe` as `exe.jpg`), zero-width joiners and marks,
/// the byte-order mark, tags. Invisible in a name, so they go.
fn format_character(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{600}'..='\u{605}'
            | '\u{61C}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Whether Windows reads `name` as a device (CON, PRN, AUX, NUL, COM1–9,
/// LPT1–9, whatever the case or extension): such a folder cannot be made.
fn windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit()
            && upper.as_bytes()[3] != b'0')
}

/// A file or folder name that unzips the same on every system: no path
/// separators, no characters Windows refuses, no control or format
/// characters, no Windows device name, not empty, at most 100 characters.
pub(crate) fn safe_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|&c| !format_character(c))
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(100)
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        fallback.to_owned()
    } else if windows_device(trimmed) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// `{takenAt}-{photoId}.jpg`, `takenAt` as `2026-05-01T18-30-12` (no colons:
/// Windows), `undated` without one; sorted by name is sorted by time.
pub(crate) fn entry_name(folder: &str, photo: &MatchedPhoto) -> String {
    let taken = photo.taken_at.map_or_else(
        || "undated".to_owned(),
        |t| {
            format!(
                "{:04}-{:02}-{:02}T{:02}-{:02}-{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    );
    format!("{folder}/{taken}-{}.jpg", photo.photo_id)
}

impl Media {
    pub(super) async fn build_archive(&self, id: ArchiveId) -> Result<JobOutcome> {
        let Some(archive) = self.ports.archives.archive(id).await? else {
            return Ok(JobOutcome::Done); // erased meanwhile
        };
        if archive.status != ArchiveStatus::Building {
            return Ok(JobOutcome::Done);
        }
        let folder = self.archive_folder(archive.project_id).await?;
        let photos = self
            .ports
            .faces
            .matched_photos(archive.project_id, archive.user_id)
            .await?;
        let key = keys::archive(archive.user_id, id);
        let upload = self
            .ports
            .storage
            .begin_upload(&key, "application/zip")
            .await?;
        let contents = match self.stream_zip(&key, &upload, &folder, &photos).await {
            Ok(contents) => contents,
            Err(e) => {
                // Each attempt uploads afresh: leave no parts behind.
                if let Err(abort) = self.ports.storage.abort_upload(&key, &upload).await {
                    tracing::warn!(archive = %id, error = %abort, "abandoned upload not aborted");
                }
                return Err(e);
            }
        };
        let expires_at = self.now() + self.settings.archive_ttl;
        if !self
            .ports
            .archives
            .finish_archive(id, contents, expires_at)
            .await?
        {
            // Erased while it was written: the ZIP must not outlive the row.
            self.ports.storage.delete(&key).await?;
        }
        Ok(JobOutcome::Done)
    }

    async fn archive_folder(&self, project: ProjectId) -> Result<String> {
        let fallback = project.to_string();
        Ok(match self.ports.directory.project(project).await? {
            Some(p) => safe_name(&p.name, &fallback),
            None => fallback,
        })
    }

    /// Writes the ZIP part by part; the photos whose copy is gone (deleted
    /// meanwhile) or not written yet are left out.
    async fn stream_zip(
        &self,
        key: &StorageKey,
        upload: &str,
        folder: &str,
        photos: &[MatchedPhoto],
    ) -> Result<ArchiveContents> {
        let mut zip = ZipWriter::new(ARCHIVE_PART);
        let mut parts: Vec<String> = Vec::new();
        let mut count = 0u32;
        let now = self.now();
        // What the member was matched to when the build read it: the next
        // request is answered with this ZIP while it is still so.
        let matches = matches_digest(photos);
        let photos: Vec<&MatchedPhoto> = photos.iter().filter(|p| p.watermark_done).collect();
        // Copies are read ahead, a few at once, while the part uploads: one
        // GET at a time left the job waiting on each round trip.
        let mut ahead = std::collections::VecDeque::new();
        let mut next = photos.iter();
        loop {
            while ahead.len() < READ_AHEAD {
                let Some(photo) = next.next() else { break };
                let storage = self.ports.storage.clone();
                let copy = keys::photo(photo.project_id, photo.photo_id, PhotoObject::Watermarked);
                let limit = self.settings.max_upload_bytes;
                ahead.push_back((
                    *photo,
                    tokio::spawn(async move { storage.get(&copy, None, limit).await }),
                ));
            }
            let Some((photo, read)) = ahead.pop_front() else {
                break;
            };
            let read = read
                .await
                .map_err(|e| Error::unavailable(format!("archive read crashed: {e}")))?;
            let bytes = match read {
                Ok(Fetched::Bytes(bytes)) => bytes,
                Err(Error::NotFound) | Ok(_) => continue,
                Err(e) => return Err(e),
            };
            let modified: OffsetDateTime = photo.taken_at.unwrap_or(now);
            zip.add(&entry_name(folder, photo), &bytes, modified);
            drop(bytes);
            count += 1;
            for part in zip.take_parts() {
                self.upload_part(key, upload, &mut parts, part).await?;
            }
        }
        let (tail, bytes) = zip.finish();
        // The last part may be small (S3 allows it), or the only one.
        for part in tail {
            self.upload_part(key, upload, &mut parts, part).await?;
        }
        self.ports
            .storage
            .finish_upload(key, upload, &parts)
            .await?;
        Ok(ArchiveContents {
            photo_count: count,
            bytes,
            matches,
        })
    }

    async fn upload_part(
        &self,
        key: &StorageKey,
        upload: &str,
        parts: &mut Vec<String>,
        body: Vec<u8>,
    ) -> Result<()> {
        let number = u32::try_from(parts.len() + 1).unwrap_or(u32::MAX);
        let etag = self
            .ports
            .storage
            .upload_part(key, upload, number, body)
            .await?;
        parts.push(etag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_unzip_the_same_everywhere() {
        assert_eq!(
            safe_name("Gala 2026: Zürich/Bern", "x"),
            "Gala 2026_ Zürich_Bern"
        );
        assert_eq!(safe_name("  ..  ", "fallback"), "fallback");
        assert_eq!(safe_name("a\u{0}b\nc", "x"), "a_b_c");
        assert_eq!(safe_name(&"é".repeat(300), "x").chars().count(), 100);
        assert_eq!(safe_name("../../etc", "x"), "_.._etc");
    }

    /// Issue 26: a project named with a right-to-left override shows
    /// `gpj.exe` as `exe.jpg`; format characters go. A folder named like a
    /// Windows device (CON, nul, COM1.txt) cannot be created there.
    #[test]
    fn names_drop_format_characters_and_never_are_a_windows_device() {
        assert_eq!(safe_name("Gala\u{202E}gpj.exe", "x"), "Galagpj.exe");
        assert_eq!(safe_name("a\u{200B}b\u{2066}c\u{FEFF}", "x"), "abc");
        assert_eq!(safe_name("\u{202E}\u{200F}", "fallback"), "fallback");
        for device in ["CON", "nul", "Com1", "LPT9", "aux.txt", "PRN "] {
            let name = safe_name(device, "x");
            assert!(name.starts_with('_'), "{device} -> {name}");
        }
        assert_eq!(safe_name("Concert", "x"), "Concert");
        assert_eq!(safe_name("COM10", "x"), "COM10");
    }
}
