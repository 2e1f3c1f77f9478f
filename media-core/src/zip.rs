//! A streaming ZIP writer of *stored* (uncompressed) entries, for archives
//! of JPEGs: recompressing a JPEG saves under 1 % and costs a deflate pass,
//! so entries are stored as they are (SPEC §3.13b).
//!
//! Each entry is added whole (its CRC-32 and size known up front, so no data
//! descriptors are needed) and its bytes are cut into parts of a fixed size
//! the caller takes and uploads (a multipart upload): what the writer holds
//! is the completed parts not taken yet, the part being filled (grown
//! exactly, not doubled) and ~60 bytes of central-directory record per entry.
//! ZIP64 records are written when an offset, a size or the entry count
//! passes what classic ZIP can say (4 GiB, 65,535 entries), so archives of
//! any size open in current unzip tools.

/// Classic ZIP's limits: a field at this value means "see the ZIP64 record".
const U32_MAX: u64 = 0xFFFF_FFFF;
const U16_MAX: u64 = 0xFFFF;

/// Bit 11: names are UTF-8 (project names are not ASCII everywhere).
const UTF8_NAMES: u16 = 1 << 11;

struct CentralEntry {
    name: Vec<u8>,
    crc: u32,
    size: u64,
    offset: u64,
    dos_time: u16,
    dos_date: u16,
}

/// A ZIP being written; see the module docs.
pub struct ZipWriter {
    part_size: usize,
    current: Vec<u8>,
    parts: Vec<Vec<u8>>,
    written: u64,
    entries: Vec<CentralEntry>,
    /// ZIP64 past this offset/size (classic ZIP's 4 GiB; smaller in tests
    /// so the ZIP64 records are exercised without gigabytes).
    limit: u64,
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn clamp32(v: u64, limit: u64) -> u32 {
    if v >= limit { u32::MAX } else { v as u32 }
}

/// MS-DOS time and date of `t` (2-second resolution, 1980–2107).
fn dos_datetime(t: time::OffsetDateTime) -> (u16, u16) {
    let year = t.year().clamp(1980, 2107) as u16;
    let time =
        (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | (u16::from(t.second()) / 2);
    let date = ((year - 1980) << 9) | (u16::from(u8::from(t.month())) << 5) | u16::from(t.day());
    (time, date)
}

impl ZipWriter {
    /// An empty archive cut into parts of `part_size` bytes (the last
    /// one shorter).
    pub fn new(part_size: usize) -> Self {
        Self::with_zip64_limit(part_size, U32_MAX)
    }

    /// As [`ZipWriter::new`], switching to ZIP64 fields at `limit` bytes.
    #[doc(hidden)]
    pub fn with_zip64_limit(part_size: usize, limit: u64) -> Self {
        Self {
            part_size: part_size.max(1),
            current: Vec::new(),
            parts: Vec::new(),
            written: 0,
            entries: Vec::new(),
            limit: limit.min(U32_MAX),
        }
    }

    /// Bytes written so far, taken or not (the next entry's offset).
    pub fn len(&self) -> u64 {
        self.written
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// The completed parts not taken yet, in order (each `part_size` long).
    pub fn take_parts(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.parts)
    }

    fn emit(&mut self, mut bytes: &[u8]) {
        self.written += bytes.len() as u64;
        while !bytes.is_empty() {
            let take = (self.part_size - self.current.len()).min(bytes.len());
            // Exact growth: a doubling Vec would hold up to twice a part.
            self.current.reserve_exact(take);
            self.current.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.current.len() == self.part_size {
                self.parts.push(std::mem::take(&mut self.current));
            }
        }
    }

    /// Adds one stored file named `name` (forward slashes for folders),
    /// modified at `modified`.
    pub fn add(&mut self, name: &str, data: &[u8], modified: time::OffsetDateTime) {
        let crc = crc32fast::hash(data);
        let size = data.len() as u64;
        let offset = self.written;
        let (dos_time, dos_date) = dos_datetime(modified);
        let zip64 = size >= self.limit;
        let mut h = Vec::with_capacity(30 + name.len() + 20);
        put32(&mut h, 0x0403_4b50);
        put16(&mut h, if zip64 { 45 } else { 10 }); // version needed
        put16(&mut h, UTF8_NAMES);
        put16(&mut h, 0); // stored
        put16(&mut h, dos_time);
        put16(&mut h, dos_date);
        put32(&mut h, crc);
        put32(&mut h, clamp32(size, self.limit));
        put32(&mut h, clamp32(size, self.limit));
        put16(&mut h, name.len().min(0xFFFF) as u16);
        put16(&mut h, if zip64 { 20 } else { 0 });
        h.extend_from_slice(&name.as_bytes()[..name.len().min(0xFFFF)]);
        if zip64 {
            put16(&mut h, 0x0001);
            put16(&mut h, 16);
            put64(&mut h, size);
            put64(&mut h, size);
        }
        self.emit(&h);
        self.emit(data);
        self.entries.push(CentralEntry {
            name: name.as_bytes()[..name.len().min(0xFFFF)].to_vec(),
            crc,
            size,
            offset,
            dos_time,
            dos_date,
        });
    }

    /// Writes the central directory and the end records; returns the parts
    /// not taken yet (the last one shorter) and the archive's whole size.
    pub fn finish(mut self) -> (Vec<Vec<u8>>, u64) {
        let limit = self.limit;
        let cd_start = self.written;
        let mut cd = Vec::new();
        for e in &self.entries {
            let big_size = e.size >= limit;
            let big_offset = e.offset >= limit;
            let extra_len = 8 * (2 * usize::from(big_size) + usize::from(big_offset));
            put32(&mut cd, 0x0201_4b50);
            put16(&mut cd, 0x0300 | 45); // made by: Unix, 4.5
            put16(&mut cd, if extra_len > 0 { 45 } else { 10 });
            put16(&mut cd, UTF8_NAMES);
            put16(&mut cd, 0);
            put16(&mut cd, e.dos_time);
            put16(&mut cd, e.dos_date);
            put32(&mut cd, e.crc);
            put32(&mut cd, clamp32(e.size, limit));
            put32(&mut cd, clamp32(e.size, limit));
            put16(&mut cd, e.name.len() as u16);
            put16(
                &mut cd,
                if extra_len > 0 {
                    extra_len as u16 + 4
                } else {
                    0
                },
            );
            put16(&mut cd, 0); // comment
            put16(&mut cd, 0); // disk
            put16(&mut cd, 0); // internal attributes
            put32(&mut cd, 0o100_644 << 16); // a regular file, rw-r--r--
            put32(&mut cd, clamp32(e.offset, limit));
            cd.extend_from_slice(&e.name);
            if extra_len > 0 {
                put16(&mut cd, 0x0001);
                put16(&mut cd, extra_len as u16);
                if big_size {
                    put64(&mut cd, e.size);
                    put64(&mut cd, e.size);
                }
                if big_offset {
                    put64(&mut cd, e.offset);
                }
            }
        }
        let cd_size = cd.len() as u64;
        self.emit(&cd);
        let count = self.entries.len() as u64;
        let mut end = Vec::new();
        if count >= U16_MAX || cd_start >= limit || cd_size >= limit {
            let zip64_end = self.written;
            put32(&mut end, 0x0606_4b50);
            put64(&mut end, 44); // the record's size after this field
            put16(&mut end, 0x0300 | 45);
            put16(&mut end, 45);
            put32(&mut end, 0);
            put32(&mut end, 0);
            put64(&mut end, count);
            put64(&mut end, count);
            put64(&mut end, cd_size);
            put64(&mut end, cd_start);
            put32(&mut end, 0x0706_4b50); // the locator
            put32(&mut end, 0);
            put64(&mut end, zip64_end);
            put32(&mut end, 1);
        }
        let count16 = if count >= U16_MAX {
            0xFFFF
        } else {
            count as u16
        };
        put32(&mut end, 0x0605_4b50);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, count16);
        put16(&mut end, count16);
        put32(&mut end, clamp32(cd_size, limit));
        put32(&mut end, clamp32(cd_start, limit));
        put16(&mut end, 0);
        self.emit(&end);
        let mut parts = std::mem::take(&mut self.parts);
        if !self.current.is_empty() {
            parts.push(std::mem::take(&mut self.current));
        }
        (parts, self.written)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn at() -> time::OffsetDateTime {
        time::macros::datetime!(2026-05-01 18:30:12 UTC)
    }

    /// The whole archive, taken in parts of `part` bytes as the job does.
    fn written(files: &[(&str, Vec<u8>)], limit: u64, part: usize) -> Vec<u8> {
        let mut z = ZipWriter::with_zip64_limit(part, limit);
        let mut out = Vec::new();
        for (name, data) in files {
            z.add(name, data, at());
            for p in z.take_parts() {
                assert_eq!(p.len(), part, "every part but the last is whole");
                out.extend(p);
            }
        }
        let (tail, len) = z.finish();
        for p in tail {
            out.extend(p);
        }
        assert_eq!(out.len() as u64, len);
        out
    }

    fn read_back(zip: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        let mut archive = ::zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap();
                assert_eq!(f.compression(), ::zip::CompressionMethod::Stored);
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                (f.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    fn files() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (
                "Gala — Zürich/2026-05-01T18-30-12-a.jpg",
                vec![0xFF, 0xD8, 1, 2, 3],
            ),
            (
                "Gala — Zürich/2026-05-01T18-31-00-b.jpg",
                (0..=255).cycle().take(70_000).collect(),
            ),
            ("Gala — Zürich/empty.jpg", Vec::new()),
        ]
    }

    #[test]
    fn another_zip_reader_reads_back_every_stored_file_and_its_utf8_name() {
        let files = files();
        let got = read_back(written(&files, U32_MAX, 8192));
        let want: Vec<_> = files
            .iter()
            .map(|(n, d)| ((*n).to_owned(), d.clone()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn zip64_records_are_read_back_too() {
        // Every offset and size past 100 bytes goes through the ZIP64 fields.
        let files = files();
        let got = read_back(written(&files, 100, 1000));
        let want: Vec<_> = files
            .iter()
            .map(|(n, d)| ((*n).to_owned(), d.clone()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn more_than_65535_entries_need_zip64_and_read_back() {
        let many: Vec<(String, Vec<u8>)> = (0..65_600)
            .map(|i| (format!("p/{i}.jpg"), vec![i as u8]))
            .collect();
        let refs: Vec<(&str, Vec<u8>)> =
            many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
        let archive =
            ::zip::ZipArchive::new(Cursor::new(written(&refs, U32_MAX, 1 << 20))).unwrap();
        assert_eq!(archive.len(), 65_600);
    }

    #[test]
    fn dos_times_keep_the_date_and_two_second_steps() {
        let (t, d) = dos_datetime(at());
        assert_eq!(t, (18 << 11) | (30 << 5) | 6);
        assert_eq!(d, ((2026 - 1980) << 9) | (5 << 5) | 1);
    }
}
