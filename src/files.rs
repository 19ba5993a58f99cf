//! Binary files uploaded or embedded as themselves: PDF, PNG, JPEG, TIFF, DICOM, ZIP.
//!
//! These are not parsed in depth; the gate checks that each file is the format its
//! signature claims, structurally complete (not truncated in transit), by the rule of its
//! own specification cited at each check. Every walk is bounded by the file's length.

use crate::classify::Sniffed;
use crate::codes::Code;
use crate::emit::Emitter;
use crate::engine::Payload;
use crate::formats::FormatModule;
use crate::report::Format;
use crate::traffic::TrafficType;

pub mod codes {
    //! Diagnostic codes of the binary file checks.
    crate::codes::define_codes! {
        FILE_TRUNCATED: Error, "A file's structure ends before its format's required trailer (PDF %%EOF, PNG IEND, JPEG EOI, ZIP end of central directory).";
        FILE_STRUCTURE_INVALID: Error, "A file's header or chunk structure breaks its format's specification.";
    }
}

/// The binary file formats, in the format registry.
pub(crate) struct Files;

impl FormatModule for Files {
    fn name(&self) -> &'static str {
        "files"
    }

    fn codes(&self) -> &'static [Code] {
        codes::CODES
    }

    fn channel(&self) -> Option<TrafficType> {
        None
    }

    fn validates(&self, format: Format) -> bool {
        matches!(
            format,
            Format::Pdf | Format::Png | Format::Jpeg | Format::Tiff | Format::Dicom | Format::Zip
        )
    }

    fn sniff(&self, window: &[u8], _text: &[u8]) -> Option<Sniffed> {
        crate::classify::sniff_file(window)
    }

    fn validate<'a>(&self, payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
        validate(payload, out);
    }
}

/// Validates a file whose format was recognised by its signature.
fn validate<'a>(payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
    let bytes = payload.bytes;
    let format = payload.sniffed.format;
    let mut report = payload.emitter(format, bytes.len() as u64);
    match format {
        Format::Pdf => check_pdf(bytes, &mut report),
        Format::Png => check_png(bytes, &mut report),
        Format::Jpeg => check_jpeg(bytes, &mut report),
        Format::Tiff => check_tiff(bytes, &mut report),
        Format::Dicom => check_dicom(bytes, &mut report),
        Format::Zip => check_zip(bytes, &mut report),
        _ => {}
    }
    out.push(report);
}

/// The 32-bit word at `at`, little or big endian; `None` past the end.
fn word(bytes: &[u8], at: usize, little: bool) -> Option<u32> {
    let a = *bytes.get(at..)?.first_chunk::<4>()?;
    Some(if little {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    })
}

fn tail(bytes: &[u8], n: usize) -> &[u8] {
    bytes.get(bytes.len().saturating_sub(n)..).unwrap_or(bytes)
}

/// ISO 32000-1 section 7.5.5: the file ends with `%%EOF`; readers tolerate trailing
/// bytes, so we look in the last 1024 as common readers do.
fn check_pdf(bytes: &[u8], emit: &mut Emitter<'_>) {
    if memchr::memmem::rfind(tail(bytes, 1024), b"%%EOF").is_none() {
        emit.add(
            &codes::FILE_TRUNCATED,
            "",
            "PDF has no %%EOF marker at its end (ISO 32000-1 section 7.5.5)",
        );
    }
}

/// ISO/IEC 15948 sections 5.3 and 5.6: chunks of length, type, data and CRC; IHDR first,
/// IEND last.
fn check_png(bytes: &[u8], emit: &mut Emitter<'_>) {
    let mut at = 8usize;
    let mut first = true;
    let mut chunks = 0usize;
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            emit.add(
                &codes::FILE_TRUNCATED,
                "",
                "PNG ends before its IEND chunk (ISO/IEC 15948 section 5.6)",
            );
            return;
        };
        let len = word(header, 0, false).unwrap_or(0) as usize;
        let kind = header.get(4..8).unwrap_or_default();
        if first && kind != b"IHDR" {
            emit.add(
                &codes::FILE_STRUCTURE_INVALID,
                "",
                "PNG's first chunk is not IHDR (ISO/IEC 15948 section 5.6)",
            );
            return;
        }
        first = false;
        chunks += 1;
        let Some(next) = at.checked_add(12).and_then(|n| n.checked_add(len)) else {
            emit.add(
                &codes::FILE_STRUCTURE_INVALID,
                "",
                "PNG chunk length overflows",
            );
            return;
        };
        if next > bytes.len() {
            emit.add(&codes::FILE_TRUNCATED, "", || {
                format!("PNG chunk {chunks} runs past the end of the file")
            });
            return;
        }
        if kind == b"IEND" {
            return;
        }
        at = next;
    }
}

/// ITU T.81 B.2.1: SOI starts, EOI (FFD9) ends the image; trailing padding is tolerated.
fn check_jpeg(bytes: &[u8], emit: &mut Emitter<'_>) {
    let end = tail(bytes, 64);
    if memchr::memmem::rfind(end, &[0xFF, 0xD9]).is_none() {
        emit.add(
            &codes::FILE_TRUNCATED,
            "",
            "JPEG has no EOI marker at its end (ITU T.81 B.2.1)",
        );
    }
}

/// TIFF 6.0 section 2: an 8-byte header whose offset points at the first IFD inside the
/// file, and an IFD whose entries fit in the file.
fn check_tiff(bytes: &[u8], emit: &mut Emitter<'_>) {
    let little = bytes.starts_with(b"II");
    let Some(ifd) = word(bytes, 4, little).map(|o| o as usize) else {
        emit.add(
            &codes::FILE_TRUNCATED,
            "",
            "TIFF ends inside its 8-byte header (TIFF 6.0 section 2)",
        );
        return;
    };
    let entries = bytes
        .get(ifd..)
        .and_then(|b| b.first_chunk::<2>())
        .map(|a| {
            if little {
                u16::from_le_bytes(*a)
            } else {
                u16::from_be_bytes(*a)
            }
        });
    let Some(entries) = entries else {
        emit.add(
            &codes::FILE_STRUCTURE_INVALID,
            "",
            "TIFF's first IFD offset points outside the file (TIFF 6.0 section 2)",
        );
        return;
    };
    let ifd_end = ifd.saturating_add(2 + usize::from(entries) * 12 + 4);
    if ifd_end > bytes.len() {
        emit.add(
            &codes::FILE_TRUNCATED,
            "",
            "TIFF's first IFD runs past the end of the file (TIFF 6.0 section 2)",
        );
    }
}

/// DICOM PS3.10 section 7.1: after the preamble and `DICM`, the File Meta Information
/// group (0002) in explicit VR little endian.
fn check_dicom(bytes: &[u8], emit: &mut Emitter<'_>) {
    match bytes.get(132..134) {
        Some([0x02, 0x00]) => {}
        Some(_) => emit.add(
            &codes::FILE_STRUCTURE_INVALID,
            "",
            "DICOM file meta information (group 0002) does not follow DICM (PS3.10 section 7.1)",
        ),
        None => emit.add(
            &codes::FILE_TRUNCATED,
            "",
            "DICOM file ends after its DICM prefix (PS3.10 section 7.1)",
        ),
    }
}

/// APPNOTE 4.3.16: the end of central directory record, within the last 22 + 65535
/// bytes (its comment may be up to 65535 bytes long).
fn check_zip(bytes: &[u8], emit: &mut Emitter<'_>) {
    if memchr::memmem::rfind(tail(bytes, 22 + 65_535), b"PK\x05\x06").is_none() {
        emit.add(
            &codes::FILE_TRUNCATED,
            "",
            "ZIP has no end of central directory record (APPNOTE 4.3.16)",
        );
    }
}
