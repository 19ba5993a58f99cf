//! The archive readers (`src/container/archive.rs`): valid zip, tar, tgz and gzip
//! archives give their entries in archive order with their nested names; every hostile
//! archive of issue 10 gives its diagnostic, the walk goes on where it safely can, and
//! nothing panics. Archives are built here, with the zip/tar/flate2 writers or by hand
//! for the malicious ones.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::io::{Cursor, Read, Write};
use std::ops::ControlFlow;

use payload_triage::unstable::archive::{
    detect, for_each_entry, ArchiveBounds, ArchiveEvent, ArchiveInput, ArchiveKind,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    /// An entry read to its end: its path (levels joined with `!/`) and bytes.
    Entry(String, Vec<u8>),
    /// An entry whose reader failed (the walk reports why next).
    ReadFailed(String),
    /// A problem: where and which code.
    Problem(String, String),
}

fn path_str(path: &[Vec<u8>]) -> String {
    path.iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect::<Vec<_>>()
        .join("!/")
}

fn visit_into(events: &mut Vec<Ev>) -> impl FnMut(ArchiveEvent<'_>) -> ControlFlow<()> + '_ {
    move |event| {
        match event {
            ArchiveEvent::Entry { path, reader, .. } => {
                let mut bytes = Vec::new();
                match reader.read_to_end(&mut bytes) {
                    Ok(_) => events.push(Ev::Entry(path_str(path), bytes)),
                    Err(_) => events.push(Ev::ReadFailed(path_str(path))),
                }
            }
            ArchiveEvent::Problem {
                path,
                code,
                message,
            } => {
                assert!(message.ends_with(|c: char| c.is_ascii_alphanumeric() || c == ')'));
                events.push(Ev::Problem(path_str(path), code.name().to_owned()));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Walks `bytes` from a seekable source.
fn walk_with(bytes: &[u8], kind: ArchiveKind, name: &str, bounds: &ArchiveBounds) -> Vec<Ev> {
    let mut events = Vec::new();
    let mut cursor = Cursor::new(bytes);
    for_each_entry(
        ArchiveInput::Seekable(&mut cursor),
        kind,
        name.as_bytes(),
        bounds,
        &mut visit_into(&mut events),
    );
    events
}

/// Walks `bytes` as a stream.
fn walk_stream(bytes: &[u8], kind: ArchiveKind, name: &str, bounds: &ArchiveBounds) -> Vec<Ev> {
    let mut events = Vec::new();
    let mut stream = bytes;
    for_each_entry(
        ArchiveInput::Stream(&mut stream),
        kind,
        name.as_bytes(),
        bounds,
        &mut visit_into(&mut events),
    );
    events
}

fn walk(bytes: &[u8]) -> Vec<Ev> {
    let kind = detect(bytes).expect("an archive");
    let seekable = walk_with(bytes, kind, "day.x", &ArchiveBounds::default());
    if kind != ArchiveKind::Zip {
        // Streaming gives the same walk.
        assert_eq!(
            walk_stream(bytes, kind, "day.x", &ArchiveBounds::default()),
            seekable
        );
    }
    seekable
}

fn entry(path: &str, bytes: &[u8]) -> Ev {
    Ev::Entry(path.to_owned(), bytes.to_vec())
}

fn problem(path: &str, code: &str) -> Ev {
    Ev::Problem(path.to_owned(), code.to_owned())
}

fn codes_of(events: &[Ev]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Problem(_, code) => Some(code.as_str()),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------- builders

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        if name.ends_with('/') {
            writer.add_directory(*name, options).unwrap();
        } else {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

fn tar_header(name: &[u8], size: u64, kind: tar::EntryType) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    let slot = &mut header.as_old_mut().name;
    slot[..name.len()].copy_from_slice(name);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(kind);
    header.set_cksum();
    header
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A tar built header by header, for names and types the builder refuses.
fn raw_tar(entries: &[(tar::Header, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (header, data) in entries {
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    out.extend_from_slice(&[0; 1024]);
    out
}

fn gzip_of(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// One entry of a hand-made zip.
struct RawEntry<'a> {
    name: &'a [u8],
    data: &'a [u8],
    flags: u16,
    method: u16,
    /// Unix mode in the external attributes (made by Unix) when set.
    mode: Option<u32>,
}

fn raw(name: &'static [u8], data: &'static [u8]) -> RawEntry<'static> {
    RawEntry {
        name,
        data,
        flags: 0,
        method: 0,
        mode: None,
    }
}

fn crc(data: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    crc.sum()
}

fn local_header(e: &RawEntry<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x03\x04");
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&e.flags.to_le_bytes());
    out.extend_from_slice(&e.method.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date: 1980-01-01
    out.extend_from_slice(&crc(e.data).to_le_bytes());
    out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(e.name);
    out
}

/// A central directory record for `e` whose local header is at `offset`.
fn central_record(e: &RawEntry<'_>, offset: u32, compressed: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x01\x02");
    let made_by: u16 = if e.mode.is_some() { 3 << 8 | 20 } else { 20 };
    out.extend_from_slice(&made_by.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&e.flags.to_le_bytes());
    out.extend_from_slice(&e.method.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0x21, 0]);
    out.extend_from_slice(&crc(e.data).to_le_bytes());
    out.extend_from_slice(&compressed.to_le_bytes());
    out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
    out.extend_from_slice(&(e.mode.unwrap_or(0) << 16).to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(e.name);
    out
}

fn end_record(count: u16, cd_size: u32, cd_offset: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A stored zip of `entries`; `lie` edits each central record before it is written.
fn raw_zip(entries: &[RawEntry<'_>], lie: impl Fn(usize, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        out.extend_from_slice(&local_header(e));
        out.extend_from_slice(e.data);
    }
    let cd_offset = out.len() as u32;
    for (i, e) in entries.iter().enumerate() {
        let mut record = central_record(e, offsets[i], e.data.len() as u32);
        lie(i, &mut record);
        out.extend_from_slice(&record);
    }
    let cd_size = out.len() as u32 - cd_offset;
    out.extend_from_slice(&end_record(entries.len() as u16, cd_size, cd_offset));
    out
}

// ---------------------------------------------------------------- detection

#[test]
fn detect_knows_each_signature_and_nothing_else() {
    assert_eq!(detect(&zip_of(&[("a", b"x")])), Some(ArchiveKind::Zip));
    assert_eq!(detect(&zip_of(&[])), Some(ArchiveKind::Zip));
    assert_eq!(detect(&gzip_of(b"x")), Some(ArchiveKind::Gzip));
    assert_eq!(detect(&tar_of(&[("a", b"x")])), Some(ArchiveKind::Tar));
    let ustar = raw_tar(&[(tar_header(b"a", 1, tar::EntryType::Regular), b"x")]);
    assert_eq!(detect(&ustar), Some(ArchiveKind::Tar));
    for text in [
        b"MSH|^~\\&|A\r".as_slice(),
        b"{\"a\":1}",
        b"<ClinicalDocument/>",
        b"%PDF-1.7",
        b"",
        b"PK",
        b"\x1f",
    ] {
        assert_eq!(detect(text), None);
    }
}

// ---------------------------------------------------------------- valid archives

#[test]
fn zip_entries_come_in_archive_order_with_their_nested_names() {
    let bytes = zip_of(&[
        ("lab/", b""),
        ("lab/0002.hl7", b"MSH|2"),
        ("lab/0001.hl7", b"MSH|1"),
        ("a/b/c.json", b"{}"),
        ("empty.txt", b""),
    ]);
    assert_eq!(
        walk(&bytes),
        vec![
            entry("lab/0002.hl7", b"MSH|2"),
            entry("lab/0001.hl7", b"MSH|1"),
            entry("a/b/c.json", b"{}"),
            entry("empty.txt", b""),
        ]
    );
    // The same zip from a stream is read into memory and walked the same way.
    assert_eq!(
        walk_stream(
            &bytes,
            ArchiveKind::Zip,
            "day.zip",
            &ArchiveBounds::default()
        ),
        walk(&bytes)
    );
}

#[test]
fn empty_zip_has_no_entries() {
    assert_eq!(walk(&zip_of(&[])), vec![]);
}

#[test]
fn tar_entries_come_in_archive_order_including_long_names() {
    let long = format!("{}/x.ndjson", "d".repeat(150));
    let bytes = tar_of(&[
        ("b.hl7", b"MSH|b"),
        (&long, b"{}\n{}\n"),
        ("a.hl7", b"MSH|a"),
    ]);
    assert_eq!(
        walk(&bytes),
        vec![
            entry("b.hl7", b"MSH|b"),
            entry(&long, b"{}\n{}\n"),
            entry("a.hl7", b"MSH|a"),
        ]
    );
}

#[test]
fn pax_path_names_the_entry() {
    let mut pax = tar::Header::new_ustar();
    let record = b"26 path=long/pax/name.hl7\n";
    pax.set_size(record.len() as u64);
    pax.set_entry_type(tar::EntryType::XHeader);
    pax.set_cksum();
    let bytes = raw_tar(&[
        (pax, record),
        (tar_header(b"short", 3, tar::EntryType::Regular), b"MSH"),
    ]);
    assert_eq!(walk(&bytes), vec![entry("long/pax/name.hl7", b"MSH")]);
}

#[test]
fn tgz_entries_are_the_tar_entries_one_level() {
    let bytes = gzip_of(&tar_of(&[("x.ndjson", b"{}\n"), ("y/z.hl7", b"MSH|")]));
    assert_eq!(
        walk(&bytes),
        vec![entry("x.ndjson", b"{}\n"), entry("y/z.hl7", b"MSH|")]
    );
}

#[test]
fn plain_gzip_is_one_entry_named_after_the_file() {
    let bytes = gzip_of(b"MSH|^~\\&|A\r");
    let events = walk_with(
        &bytes,
        ArchiveKind::Gzip,
        "in/capture.mllp.gz",
        &ArchiveBounds::default(),
    );
    assert_eq!(events, vec![entry("capture.mllp", b"MSH|^~\\&|A\r")]);
    // Concatenated members are one stream (RFC 1952 section 2.2).
    let mut two = gzip_of(b"MSH|1\r");
    two.extend_from_slice(&gzip_of(b"MSH|2\r"));
    let events = walk_with(&two, ArchiveKind::Gzip, "m.gz", &ArchiveBounds::default());
    assert_eq!(events, vec![entry("m", b"MSH|1\rMSH|2\r")]);
}

#[test]
fn nested_archives_are_opened_with_their_paths() {
    let inner_zip = zip_of(&[("0001.hl7", b"MSH|z")]);
    let inner_tgz = gzip_of(&tar_of(&[("x.ndjson", b"{}\n")]));
    let inner_gz = gzip_of(b"MSH|g");
    let bytes = zip_of(&[
        ("first.hl7", b"MSH|f"),
        ("lab/inner.zip", &inner_zip),
        ("day.tgz", &inner_tgz),
        ("one.hl7.gz", &inner_gz),
        ("last.hl7", b"MSH|l"),
    ]);
    assert_eq!(
        walk(&bytes),
        vec![
            entry("first.hl7", b"MSH|f"),
            entry("lab/inner.zip!/0001.hl7", b"MSH|z"),
            entry("day.tgz!/x.ndjson", b"{}\n"),
            entry("one.hl7.gz!/one.hl7", b"MSH|g"),
            entry("last.hl7", b"MSH|l"),
        ]
    );
}

// ---------------------------------------------------------------- hostile archives

#[test]
fn truncated_zip_is_corrupt() {
    let bytes = zip_of(&[("a.hl7", b"MSH|a"), ("b.hl7", b"MSH|b")]);
    for cut in [bytes.len() - 1, bytes.len() / 2, 4] {
        let events = walk_with(
            &bytes[..cut],
            ArchiveKind::Zip,
            "t.zip",
            &ArchiveBounds::default(),
        );
        assert_eq!(events, vec![problem("", "ARCHIVE_CORRUPT")], "cut at {cut}");
    }
}

#[test]
fn every_truncation_of_every_kind_ends_without_panicking() {
    let zip = zip_of(&[("a.hl7", &[b'x'; 3000]), ("n.zip", &zip_of(&[("b", b"y")]))]);
    let tgz = gzip_of(&tar_of(&[("a", &[b'x'; 3000]), ("b", b"y")]));
    let tar = tar_of(&[("a", &[b'x'; 3000]), ("b", b"y")]);
    for bytes in [zip, tgz, tar] {
        let kind = detect(&bytes).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let _ = walk_with(&bytes[..cut], kind, "t", &ArchiveBounds::default());
            let _ = walk_stream(&bytes[..cut], kind, "t", &ArchiveBounds::default());
        }
    }
}

#[test]
fn zip_with_lying_central_directory_sizes_is_corrupt_and_the_rest_is_read() {
    let entries = [raw(b"a.hl7", b"MSH|a"), raw(b"b.hl7", b"MSH|b")];
    // The central directory claims a larger uncompressed size than the local header.
    let bytes = raw_zip(&entries, |i, record| {
        if i == 0 {
            record[24..28].copy_from_slice(&1_000_000u32.to_le_bytes());
        }
    });
    assert_eq!(
        walk(&bytes),
        vec![
            problem("a.hl7", "ARCHIVE_CORRUPT"),
            entry("b.hl7", b"MSH|b")
        ]
    );
}

#[test]
fn zip_with_lying_central_directory_offset_is_corrupt() {
    let entries = [raw(b"a.hl7", b"MSH|a"), raw(b"b.hl7", b"MSH|b")];
    // The second record points into the first entry's data.
    let bytes = raw_zip(&entries, |i, record| {
        if i == 1 {
            record[42..46].copy_from_slice(&7u32.to_le_bytes());
        }
    });
    assert_eq!(
        walk(&bytes),
        vec![
            entry("a.hl7", b"MSH|a"),
            problem("b.hl7", "ARCHIVE_CORRUPT")
        ]
    );
}

#[test]
fn zip_whose_central_directory_renames_an_entry_is_corrupt() {
    let entries = [raw(b"a.hl7", b"MSH|a")];
    let bytes = raw_zip(&entries, |_, record| {
        let at = record.len() - 5;
        record[at] = b'z';
    });
    assert_eq!(walk(&bytes), vec![problem("z.hl7", "ARCHIVE_CORRUPT")]);
}

#[test]
fn zip_with_a_lying_compressed_size_running_into_the_directory_is_corrupt() {
    let entries = [raw(b"a.hl7", b"MSH|a")];
    let bytes = raw_zip(&entries, |_, record| {
        // Compressed size 1 MB in the directory, 5 in the local header.
        record[20..24].copy_from_slice(&1_000_000u32.to_le_bytes());
    });
    assert_eq!(walk(&bytes), vec![problem("a.hl7", "ARCHIVE_CORRUPT")]);
}

#[test]
fn zip_listing_a_name_twice_is_reported() {
    let entries = [raw(b"a.hl7", b"MSH|1"), raw(b"a.hl7", b"MSH|2")];
    let events = walk(&raw_zip(&entries, |_, _| {}));
    assert_eq!(events.first(), Some(&problem("", "ARCHIVE_CORRUPT")));
}

#[test]
fn gzip_stream_cut_in_the_middle_is_corrupt() {
    let data: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let bytes = gzip_of(&data);
    let cut = &bytes[..bytes.len() / 2];
    let events = walk_with(cut, ArchiveKind::Gzip, "c.gz", &ArchiveBounds::default());
    assert_eq!(
        events,
        vec![Ev::ReadFailed("c".into()), problem("c", "ARCHIVE_CORRUPT")]
    );
    // A cut tgz: the broken entry, then the walk stops.
    let tgz = gzip_of(&tar_of(&[("a", b"MSH|a"), ("b", &data)]));
    let events = walk_stream(
        &tgz[..tgz.len() - 40],
        ArchiveKind::Gzip,
        "c.tgz",
        &ArchiveBounds::default(),
    );
    assert_eq!(events.first(), Some(&entry("a", b"MSH|a")));
    assert_eq!(codes_of(&events), vec!["ARCHIVE_CORRUPT"]);
}

#[test]
fn gzip_with_a_bad_crc_is_corrupt() {
    let mut bytes = gzip_of(b"MSH|^~\\&|A\r");
    let at = bytes.len() - 8;
    bytes[at] ^= 0xff;
    let events = walk_with(&bytes, ArchiveKind::Gzip, "c.gz", &ArchiveBounds::default());
    assert_eq!(codes_of(&events), vec!["ARCHIVE_CORRUPT"]);
    assert!(!events.iter().any(|e| matches!(e, Ev::Entry(..))));
}

#[test]
fn tar_with_a_10_gb_size_field_is_corrupt_and_memory_stays_small() {
    let header = tar_header(b"huge.hl7", 10 << 30, tar::EntryType::Regular);
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(&[b'x'; 4096]);
    let events = walk(&bytes);
    assert_eq!(
        events,
        vec![
            Ev::ReadFailed("huge.hl7".into()),
            problem("huge.hl7", "ARCHIVE_CORRUPT")
        ]
    );
}

#[test]
fn archive_of_archives_of_archives_stops_at_the_depth_bound() {
    let mut bytes = zip_of(&[("m.hl7", b"MSH|deep")]);
    for level in (0..5).rev() {
        bytes = zip_of(&[(&format!("l{level}.zip"), &bytes)]);
    }
    // Outer zip: l0.zip (depth 1) > l1.zip (depth 2) > l2.zip would be depth 3.
    let events = walk(&bytes);
    assert_eq!(
        events,
        vec![problem("l0.zip!/l1.zip!/l2.zip", "ARCHIVE_DEPTH_EXCEEDED")]
    );
    let deep = ArchiveBounds {
        max_depth: 10,
        ..ArchiveBounds::default()
    };
    let events = walk_with(&bytes, ArchiveKind::Zip, "d.zip", &deep);
    assert_eq!(
        events,
        vec![entry(
            "l0.zip!/l1.zip!/l2.zip!/l3.zip!/l4.zip!/m.hl7",
            b"MSH|deep"
        )]
    );
    let flat = ArchiveBounds {
        max_depth: 0,
        ..ArchiveBounds::default()
    };
    let events = walk_with(&bytes, ArchiveKind::Zip, "d.zip", &flat);
    assert_eq!(events, vec![problem("l0.zip", "ARCHIVE_DEPTH_EXCEEDED")]);
}

/// A tar of `count` empty files, made as it is read (100,000 entries are 51 MB).
struct EmptyEntries {
    count: usize,
    made: usize,
    pending: Vec<u8>,
}

impl Read for EmptyEntries {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if self.made < self.count {
                let name = format!("e{}", self.made);
                self.pending = tar_header(name.as_bytes(), 0, tar::EntryType::Regular)
                    .as_bytes()
                    .to_vec();
                self.made += 1;
            } else if self.made == self.count {
                self.pending = vec![0; 1024];
                self.made += 1;
            } else {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn hundred_thousand_empty_entries_stop_at_the_entry_bound() {
    let bounds = ArchiveBounds {
        max_entries: 1000,
        ..ArchiveBounds::default()
    };
    let mut source = EmptyEntries {
        count: 100_000,
        made: 0,
        pending: Vec::new(),
    };
    let mut events = Vec::new();
    for_each_entry(
        ArchiveInput::Stream(&mut source),
        ArchiveKind::Tar,
        b"many.tar",
        &bounds,
        &mut visit_into(&mut events),
    );
    assert_eq!(events.len(), 1001);
    assert_eq!(
        events.last(),
        Some(&problem("", "CONTAINER_ENTRIES_EXCEEDED"))
    );
    // The walk stopped reading: not all 100,000 headers were made.
    assert!(source.made < 2000, "read {} headers", source.made);
    // Under the default bound, 100,000 are fine.
    let mut source = EmptyEntries {
        count: 100_000,
        made: 0,
        pending: Vec::new(),
    };
    let mut n = 0usize;
    for_each_entry(
        ArchiveInput::Stream(&mut source),
        ArchiveKind::Tar,
        b"many.tar",
        &ArchiveBounds::default(),
        &mut |event| {
            assert!(matches!(event, ArchiveEvent::Entry { .. }));
            n += 1;
            ControlFlow::Continue(())
        },
    );
    assert_eq!(n, 100_000);
}

#[test]
fn zip_declaring_more_entries_than_the_bound_is_not_parsed() {
    let names: Vec<String> = (0..2000).map(|i| format!("e{i}")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), b"".as_slice())).collect();
    let bytes = zip_of(&files);
    let bounds = ArchiveBounds {
        max_entries: 1000,
        ..ArchiveBounds::default()
    };
    let events = walk_with(&bytes, ArchiveKind::Zip, "many.zip", &bounds);
    assert_eq!(events, vec![problem("", "CONTAINER_ENTRIES_EXCEEDED")]);
}

#[test]
fn entry_named_dot_dot_etc_passwd_is_never_read() {
    let bad: [&[u8]; 6] = [
        b"../../etc/passwd",
        b"/etc/passwd",
        b"lab/../../x.hl7",
        b"..\\..\\windows\\x.hl7",
        b"C:\\x.hl7",
        b"\\\\server\\share\\x.hl7",
    ];
    for name in bad {
        let shown = String::from_utf8_lossy(name).into_owned();
        let mut entries = vec![RawEntry {
            name,
            data: b"root:x:0:0",
            flags: 0,
            method: 0,
            mode: None,
        }];
        entries.push(raw(b"ok.hl7", b"MSH|"));
        let events = walk(&raw_zip(&entries, |_, _| {}));
        assert_eq!(
            events,
            vec![
                problem(&shown, "ARCHIVE_ENTRY_UNSAFE_NAME"),
                entry("ok.hl7", b"MSH|")
            ],
            "zip {shown}"
        );
        let tar = raw_tar(&[
            (tar_header(name, 10, tar::EntryType::Regular), b"root:x:0:0"),
            (tar_header(b"ok.hl7", 4, tar::EntryType::Regular), b"MSH|"),
        ]);
        assert_eq!(
            walk(&tar),
            vec![
                problem(&shown, "ARCHIVE_ENTRY_UNSAFE_NAME"),
                entry("ok.hl7", b"MSH|")
            ],
            "tar {shown}"
        );
    }
}

#[test]
fn links_and_devices_are_reported_and_never_followed() {
    let mut link = tar_header(b"passwd", 0, tar::EntryType::Symlink);
    link.set_link_name("/etc/passwd").unwrap();
    link.set_cksum();
    let mut hard = tar_header(b"hard", 0, tar::EntryType::Link);
    hard.set_link_name("ok.hl7").unwrap();
    hard.set_cksum();
    let bytes = raw_tar(&[
        (tar_header(b"ok.hl7", 4, tar::EntryType::Regular), b"MSH|"),
        (link, b""),
        (hard, b""),
        (tar_header(b"dev", 0, tar::EntryType::Char), b""),
        (tar_header(b"fifo", 0, tar::EntryType::Fifo), b""),
        (tar_header(b"dir/", 0, tar::EntryType::Directory), b""),
    ]);
    assert_eq!(
        walk(&bytes),
        vec![
            entry("ok.hl7", b"MSH|"),
            problem("passwd", "ARCHIVE_ENTRY_LINK"),
            problem("hard", "ARCHIVE_ENTRY_LINK"),
            problem("dev", "ARCHIVE_ENTRY_LINK"),
            problem("fifo", "ARCHIVE_ENTRY_LINK"),
        ]
    );
    // A zip symlink (Unix mode S_IFLNK in the external attributes).
    let entries = [RawEntry {
        name: b"passwd",
        data: b"/etc/passwd",
        flags: 0,
        method: 0,
        mode: Some(0o120_777),
    }];
    assert_eq!(
        walk(&raw_zip(&entries, |_, _| {})),
        vec![problem("passwd", "ARCHIVE_ENTRY_LINK")]
    );
}

#[test]
fn encrypted_and_unsupported_method_entries_are_reported() {
    let entries = [
        RawEntry {
            name: b"secret.hl7",
            data: b"xxxxxxxxxxxxxxxx",
            flags: 1, // APPNOTE 4.4.4 bit 0: encrypted
            method: 0,
            mode: None,
        },
        RawEntry {
            name: b"b.hl7",
            data: b"BZh9",
            flags: 0,
            method: 12, // bzip2
            mode: None,
        },
        raw(b"ok.hl7", b"MSH|"),
    ];
    assert_eq!(
        walk(&raw_zip(&entries, |_, _| {})),
        vec![
            problem("secret.hl7", "ARCHIVE_ENTRY_UNSUPPORTED"),
            problem("b.hl7", "ARCHIVE_ENTRY_UNSUPPORTED"),
            entry("ok.hl7", b"MSH|"),
        ]
    );
    let bytes = raw_tar(&[(tar_header(b"sparse", 0, tar::EntryType::GNUSparse), b"")]);
    assert_eq!(
        walk(&bytes),
        vec![problem("sparse", "ARCHIVE_ENTRY_UNSUPPORTED")]
    );
}

fn bomb_bounds() -> ArchiveBounds {
    ArchiveBounds {
        max_ratio: 100,
        ratio_grace_bytes: 1 << 20,
        ..ArchiveBounds::default()
    }
}

#[test]
fn zip_bomb_entry_is_stopped_by_the_ratio_and_the_next_entry_is_read() {
    let zeros = vec![0u8; 8 << 20];
    // Incompressible bytes first, so that the whole archive stays under the ratio.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..256 << 10)
        .map(|_| {
            // xorshift64: bytes deflate cannot shrink.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let bytes = zip_of(&[
        ("noise.bin", &noise),
        ("bomb.hl7", &zeros),
        ("ok.hl7", b"MSH|"),
    ]);
    let events = walk_with(&bytes, ArchiveKind::Zip, "b.zip", &bomb_bounds());
    let summary: Vec<String> = events
        .iter()
        .map(|e| match e {
            Ev::Entry(path, bytes) => format!("entry {path} {}", bytes.len()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            format!("entry noise.bin {}", noise.len()),
            format!("{:?}", Ev::ReadFailed("bomb.hl7".into())),
            format!("{:?}", problem("bomb.hl7", "ARCHIVE_BOMB_SUSPECTED")),
            "entry ok.hl7 4".to_owned(),
        ]
    );
    assert_eq!(events[0], entry("noise.bin", &noise));
}

#[test]
fn gzip_bomb_is_stopped_by_the_ratio() {
    let bytes = gzip_of(&vec![0u8; 8 << 20]);
    let events = walk_with(&bytes, ArchiveKind::Gzip, "b.gz", &bomb_bounds());
    assert_eq!(
        events,
        vec![
            Ev::ReadFailed("b".into()),
            problem("b", "ARCHIVE_BOMB_SUSPECTED")
        ]
    );
    // Skipped by the visitor, the bomb is still bounded: the tar skips through the guard.
    let tgz = gzip_of(&tar_of(&[("bomb", &vec![0u8; 8 << 20]), ("ok", b"MSH|")]));
    let mut events = Vec::new();
    for_each_entry(
        ArchiveInput::Stream(&mut tgz.as_slice()),
        ArchiveKind::Gzip,
        b"b.tgz",
        &bomb_bounds(),
        &mut |event| {
            if let ArchiveEvent::Problem { code, .. } = event {
                events.push(code.name());
            }
            ControlFlow::Continue(())
        },
    );
    assert_eq!(events, vec!["ARCHIVE_BOMB_SUSPECTED"]);
}

#[test]
fn overlapping_zip_entries_are_a_suspected_bomb() {
    // Entry B's local header and data lie inside entry A's data (the overlapping-file
    // construction): A is stored, its data is B's local header and data.
    let b = raw(b"b.hl7", b"MSH|b");
    let mut a_data = local_header(&b);
    a_data.extend_from_slice(b.data);
    let a = RawEntry {
        name: b"a.hl7",
        data: &a_data,
        flags: 0,
        method: 0,
        mode: None,
    };
    let mut out = local_header(&a);
    let b_offset = out.len() as u32;
    out.extend_from_slice(a.data);
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central_record(&a, 0, a.data.len() as u32));
    out.extend_from_slice(&central_record(&b, b_offset, b.data.len() as u32));
    let cd_size = out.len() as u32 - cd_offset;
    out.extend_from_slice(&end_record(2, cd_size, cd_offset));
    assert_eq!(
        walk(&out),
        vec![
            problem("a.hl7", "ARCHIVE_BOMB_SUSPECTED"),
            problem("b.hl7", "ARCHIVE_BOMB_SUSPECTED"),
        ]
    );
}

#[test]
fn total_bytes_bound_stops_the_whole_walk() {
    let bounds = ArchiveBounds {
        total_bytes: 10_000,
        ..ArchiveBounds::default()
    };
    let data = vec![b'x'; 6_000];
    let bytes = zip_of(&[("a", &data), ("b", &data), ("c", &data)]);
    let events = walk_with(&bytes, ArchiveKind::Zip, "t.zip", &bounds);
    assert_eq!(
        events,
        vec![
            entry("a", &data),
            Ev::ReadFailed("b".into()),
            problem("b", "CONTAINER_BYTES_EXCEEDED"),
        ]
    );
    // Shared across levels: the nested zip's bytes count too.
    let nested = zip_of(&[("n.zip", &zip_of(&[("a", &data), ("b", &data)]))]);
    let events = walk_with(&nested, ArchiveKind::Zip, "t.zip", &bounds);
    assert_eq!(codes_of(&events), vec!["CONTAINER_BYTES_EXCEEDED"]);
}

#[test]
fn nested_zip_over_the_in_memory_bound_is_not_opened() {
    let bounds = ArchiveBounds {
        nested_in_memory_bytes: 100,
        ..ArchiveBounds::default()
    };
    let inner = zip_of(&[("a", &[b'x'; 500])]);
    let bytes = tar_of(&[("n.zip", &inner), ("ok", b"MSH|")]);
    assert_eq!(
        walk_with(&bytes, ArchiveKind::Tar, "t.tar", &bounds),
        vec![
            problem("n.zip", "CONTAINER_BYTES_EXCEEDED"),
            entry("ok", b"MSH|")
        ]
    );
}

#[test]
fn the_visitor_can_stop_the_walk() {
    let bytes = zip_of(&[("a", b"1"), ("b", b"2")]);
    let mut seen = 0;
    for_each_entry(
        ArchiveInput::Seekable(&mut Cursor::new(&bytes)),
        ArchiveKind::Zip,
        b"s.zip",
        &ArchiveBounds::default(),
        &mut |_| {
            seen += 1;
            ControlFlow::Break(())
        },
    );
    assert_eq!(seen, 1);
}

#[test]
fn garbage_of_each_kind_is_corrupt_not_a_panic() {
    let junk: Vec<u8> = (0..3000u32).map(|i| (i * 7919 % 251) as u8).collect();
    for kind in [ArchiveKind::Zip, ArchiveKind::Tar, ArchiveKind::Gzip] {
        let events = walk_with(&junk, kind, "j", &ArchiveBounds::default());
        assert_eq!(codes_of(&events), vec!["ARCHIVE_CORRUPT"], "{kind:?}");
    }
}

// ---------------------------------------------------------------- fuzz seeds

/// The seed corpus of the `archive` fuzz target, made here so that it is small and
/// reproducible. `UPDATE_FUZZ_SEEDS=1` rewrites `fuzz/corpus/archive/`; otherwise the
/// files must match.
#[test]
fn archive_fuzz_seeds_are_current() {
    let nested = zip_of(&[
        ("a.hl7", b"MSH|^~\\&|A\r"),
        ("t.tgz", &gzip_of(&tar_of(&[("x.ndjson", b"{}\n")]))),
    ]);
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        (
            "seed_zip",
            [&[0u8][..], &zip_of(&[("lab/1.hl7", b"MSH|1\r")])].concat(),
        ),
        (
            "seed_tar",
            [&[1u8][..], &tar_of(&[("x.ndjson", b"{}\n")])].concat(),
        ),
        (
            "seed_tgz",
            [&[0x82u8][..], &gzip_of(&tar_of(&[("a", b"MSH|")]))].concat(),
        ),
        ("seed_gz", [&[2u8][..], &gzip_of(b"MSH|^~\\&|A\r")].concat()),
        ("seed_nested", [&[3u8][..], &nested].concat()),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/archive");
    let update = std::env::var_os("UPDATE_FUZZ_SEEDS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (name, bytes) in seeds {
        assert!(bytes.len() < 4096, "{name} is not small");
        let path = dir.join(name);
        if update {
            std::fs::write(&path, &bytes).unwrap();
        } else {
            let on_disk = std::fs::read(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (UPDATE_FUZZ_SEEDS=1 makes it)", path.display())
            });
            assert_eq!(
                on_disk, bytes,
                "{name} differs; UPDATE_FUZZ_SEEDS=1 rewrites it"
            );
        }
        payload_triage::fuzzing::archive(&bytes);
    }
}
