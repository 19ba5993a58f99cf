//! XML 1.0 (fifth edition) well-formedness, production by production: one test per
//! production the reader checks, each a table of documents it must accept and documents
//! it must reject (with the problem it must name). Production numbers are the
//! specification's; "NS" marks Namespaces in XML 1.0 (third edition).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::unstable::xml::reader::{check, Problem, XmlLimits};

/// Runs one production's table: every `accept` document is well-formed, every `reject`
/// document fails with its problem.
fn table(production: &str, accept: &[&str], reject: &[(&str, Problem)]) {
    for doc in accept {
        assert_eq!(
            check(doc.as_bytes(), &XmlLimits::default()).map_err(|f| (f.problem, f.detail)),
            Ok(()),
            "{production}: should accept {doc:?}"
        );
    }
    for (doc, problem) in reject {
        assert_eq!(
            check(doc.as_bytes(), &XmlLimits::default())
                .err()
                .map(|f| f.problem),
            Some(*problem),
            "{production}: should reject {doc:?}"
        );
    }
}

use Problem::{Encoding, EncodingMismatch, InvalidCharacter, Syntax};

#[test]
fn production_2_char_written_and_referenced() {
    table(
        "[2] Char",
        &[
            "<a>\t\n\r \u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}</a>",
            "<a>&#x9;&#xA;&#xD;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;</a>",
        ],
        &[
            ("<a>\u{0}</a>", InvalidCharacter),
            ("<a>\u{1F}</a>", InvalidCharacter),
            ("<a>\u{FFFE}</a>", InvalidCharacter),
            ("<a>\u{FFFF}</a>", InvalidCharacter),
            ("<a>&#x0;</a>", InvalidCharacter),
            ("<a>&#x8;</a>", InvalidCharacter),
            ("<a>&#xD800;</a>", InvalidCharacter),
            ("<a>&#xDFFF;</a>", InvalidCharacter),
            ("<a>&#xFFFE;</a>", InvalidCharacter),
            ("<a>&#x110000;</a>", InvalidCharacter),
            ("<a b='&#x1;'/>", InvalidCharacter),
        ],
    );
}

#[test]
fn production_4_name_start_char() {
    table(
        "[4] NameStartChar",
        &[
            "<A/>",
            "<_/>",
            "<z/>",
            "<\u{C0}/>",
            "<\u{D6}/>",
            "<\u{D8}/>",
            "<\u{F6}/>",
            "<\u{F8}/>",
            "<\u{2FF}/>",
            "<\u{370}/>",
            "<\u{37D}/>",
            "<\u{37F}/>",
            "<\u{1FFF}/>",
            "<\u{200C}/>",
            "<\u{200D}/>",
            "<\u{2070}/>",
            "<\u{218F}/>",
            "<\u{2C00}/>",
            "<\u{2FEF}/>",
            "<\u{3001}/>",
            "<\u{D7FF}/>",
            "<\u{F900}/>",
            "<\u{FDCF}/>",
            "<\u{FDF0}/>",
            "<\u{FFFD}/>",
            "<\u{10000}/>",
            "<\u{EFFFF}/>",
            "<r \u{E9}t\u{E9}='1'/>",
        ],
        &[
            ("<-a/>", Syntax),
            ("<.a/>", Syntax),
            ("<1a/>", Syntax),
            ("<\u{B7}a/>", Syntax),
            ("<\u{D7}/>", Syntax),
            ("<\u{F7}/>", Syntax),
            ("<\u{300}a/>", Syntax),
            ("<\u{37E}/>", Syntax),
            ("<\u{2000}/>", Syntax),
            ("<\u{203F}/>", Syntax),
            ("<\u{2190}/>", Syntax),
            ("<\u{2FF0}/>", Syntax),
            ("<\u{3000}/>", Syntax),
            ("<\u{FDD0}/>", Syntax),
            ("<\u{F0000}/>", Syntax),
            ("<r 1a='1'/>", Syntax),
            ("<r \u{D7}='1'/>", Syntax),
        ],
    );
}

#[test]
fn production_4a_name_char_every_character_not_only_the_first() {
    table(
        "[4a] NameChar",
        &[
            "<a-b.c_d9/>",
            "<a\u{B7}/>",
            "<a\u{300}\u{36F}/>",
            "<a\u{203F}\u{2040}/>",
            "<\u{E9}l\u{E9}ment/>",
            "<r a\u{B7}b='1'/>",
            "<p:a\u{B7} xmlns:p\u{300}='urn:x' xmlns:p='urn:y'/>",
        ],
        &[
            ("<a\u{D7}/>", Syntax),
            ("<a\u{F7}/>", Syntax),
            ("<a\u{37E}/>", Syntax),
            ("<a\u{2000}/>", Syntax),
            ("<a\u{2041}/>", Syntax),
            ("<a\u{3000}/>", Syntax),
            ("<a\u{F0000}/>", Syntax),
            ("<a!/>", Syntax),
            ("<a\u{FDD0}/>", Syntax),
            ("<r a\u{D7}='1'/>", Syntax),
            ("<r a!b='1'/>", Syntax),
            ("<p\u{D7}:a xmlns:p\u{D7}='urn:x'/>", Syntax),
        ],
    );
}

#[test]
fn production_17_pi_target() {
    table(
        "[17] PITarget (and NS section 7: no colon)",
        &[
            "<?pi?><a/>",
            "<?pi data?><a/>",
            "<a/><?pi data ? > ?>",
            "<?xml-stylesheet href='s.xsl'?><a/>",
            "<?xmlfoo?><a/>",
            "<?\u{E9}t\u{E9}?><a/>",
            "<?a.b-c\u{B7}?><a/>",
        ],
        &[
            ("<a/><?xml version='1.0'?>", Syntax),
            ("<a><?XML x?></a>", Syntax),
            ("<a><?xMl?></a>", Syntax),
            ("<?Xml x?><a/>", Syntax),
            ("<?1pi?><a/>", Syntax),
            ("<?-pi?><a/>", Syntax),
            ("<?p\u{D7}?><a/>", Syntax),
            ("<?a:b?><a/>", Syntax),
            ("<? pi?><a/>", Syntax),
        ],
    );
}

#[test]
fn production_23_xml_declaration_order_spacing_duplication() {
    table(
        "[23] XMLDecl",
        &[
            "<?xml version=\"1.0\"?><a/>",
            "<?xml version='1.0'?><a/>",
            "<?xml version='1.0' ?><a/>",
            "<?xml version = '1.0'\t\r\n?><a/>",
            "<?xml version='1.0' encoding='UTF-8'?><a/>",
            "<?xml version='1.0' standalone='yes'?><a/>",
            "<?xml version='1.0' encoding='utf-8' standalone='no' ?><a/>",
            "\u{FEFF}<?xml version='1.0' encoding='UTF-8'?><a/>",
        ],
        &[
            ("<?xml?><a/>", Syntax),
            ("<?xml ?><a/>", Syntax),
            ("<?xml encoding='UTF-8'?><a/>", Syntax),
            ("<?xml standalone='yes'?><a/>", Syntax),
            ("<?xml encoding='UTF-8' version='1.0'?><a/>", Syntax),
            (
                "<?xml version='1.0' standalone='yes' encoding='UTF-8'?><a/>",
                Syntax,
            ),
            ("<?xml version='1.0' version='1.0'?><a/>", Syntax),
            (
                "<?xml version='1.0' encoding='UTF-8' encoding='UTF-8'?><a/>",
                Syntax,
            ),
            (
                "<?xml version='1.0' standalone='yes' standalone='yes'?><a/>",
                Syntax,
            ),
            ("<?xml version='1.0'encoding='UTF-8'?><a/>", Syntax),
            (
                "<?xml version='1.0' encoding='UTF-8'standalone='no'?><a/>",
                Syntax,
            ),
            ("<?xml version='1.0' foo='x'?><a/>", Syntax),
            ("<?xml Version='1.0'?><a/>", Syntax),
            ("<?xml version='1.0\"?><a/>", Syntax),
            ("<?xml version=1.0?><a/>", Syntax),
            ("<?xml version='1.0' ='x'?><a/>", Syntax),
            (" <?xml version='1.0'?><a/>", Syntax),
            ("<!-- c --><?xml version='1.0'?><a/>", Syntax),
        ],
    );
}

#[test]
fn production_24_25_26_version_info_eq_version_num() {
    table(
        "[24] VersionInfo, [25] Eq, [26] VersionNum",
        &[
            "<?xml version='1.0'?><a/>",
            "<?xml version  =  '1.0'?><a/>",
            // VersionNum is '1.' [0-9]+; a 1.x document is read as 1.0 (section 2.8).
            "<?xml version='1.1'?><a/>",
            "<?xml version='1.10'?><a/>",
        ],
        &[
            ("<?xml version='1'?><a/>", Syntax),
            ("<?xml version='1.'?><a/>", Syntax),
            ("<?xml version='2.0'?><a/>", Syntax),
            ("<?xml version='1.0a'?><a/>", Syntax),
            ("<?xml version=' 1.0'?><a/>", Syntax),
            ("<?xml version=''?><a/>", Syntax),
            ("<?xml version '1.0'?><a/>", Syntax),
        ],
    );
}

#[test]
fn production_32_standalone_document_declaration() {
    table(
        "[32] SDDecl",
        &[
            "<?xml version='1.0' standalone='yes'?><a/>",
            "<?xml version='1.0' standalone=\"no\"?><a/>",
        ],
        &[
            ("<?xml version='1.0' standalone='YES'?><a/>", Syntax),
            ("<?xml version='1.0' standalone='true'?><a/>", Syntax),
            ("<?xml version='1.0' standalone=''?><a/>", Syntax),
            ("<?xml version='1.0' standalone='yes '?><a/>", Syntax),
        ],
    );
}

#[test]
fn production_80_81_encoding_decl_and_enc_name() {
    table(
        "[80] EncodingDecl, [81] EncName",
        &[
            "<?xml version='1.0' encoding='UTF-8'?><a/>",
            "<?xml version='1.0' encoding=\"utf-8\"?><a/>",
            "<?xml version='1.0' encoding='US-ASCII'?><a/>",
        ],
        &[
            ("<?xml version='1.0' encoding=''?><a/>", Syntax),
            ("<?xml version='1.0' encoding='8UTF'?><a/>", Syntax),
            ("<?xml version='1.0' encoding='-UTF-8'?><a/>", Syntax),
            ("<?xml version='1.0' encoding='UTF 8'?><a/>", Syntax),
            ("<?xml version='1.0' encoding='UTF/8'?><a/>", Syntax),
            ("<?xml version='1.0' encoding='UTF-8\u{E9}'?><a/>", Syntax),
            // Well-formed names of encodings this gate does not read: refused unread.
            ("<?xml version='1.0' encoding='ISO-8859-1'?><a/>", Encoding),
            (
                "<?xml version='1.0' encoding='windows-1252'?><a/>",
                Encoding,
            ),
            // US-ASCII declared, other bytes present (section 4.3.3).
            (
                "<?xml version='1.0' encoding='US-ASCII'?><a>\u{E9}</a>",
                Encoding,
            ),
            // A 16-bit encoding declared in an 8-bit document (Appendix F.1), and a
            // UTF-8 byte order mark followed by another declaration.
            (
                "<?xml version='1.0' encoding='UTF-16'?><a/>",
                EncodingMismatch,
            ),
            (
                "\u{FEFF}<?xml version='1.0' encoding='ISO-8859-1'?><a/>",
                EncodingMismatch,
            ),
        ],
    );
}

#[test]
fn production_66_char_ref_with_any_number_of_leading_zeros() {
    table(
        "[66] CharRef",
        &[
            "<a>&#65;&#x41;</a>",
            "<a>&#0000065;</a>",
            "<a>&#x00000000000000000041;</a>",
            "<a>&#00000000000000000000000000000000001114111;</a>",
            "<a>&#x0010FFFF;</a>",
            "<a>&#x4f;&#x4F;</a>",
            "<a b='&#x000000041;&#00065;'/>",
        ],
        &[
            ("<a>&#X41;</a>", Syntax),
            ("<a>&#x;</a>", Syntax),
            ("<a>&#;</a>", Syntax),
            ("<a>&#+65;</a>", Syntax),
            ("<a>&#x+41;</a>", Syntax),
            ("<a>&#-65;</a>", Syntax),
            ("<a>&#x41g;</a>", Syntax),
            ("<a>&#6 5;</a>", Syntax),
            ("<a>&#x 41;</a>", Syntax),
            ("<a b='&#X41;'/>", Syntax),
            ("<a b='&#+65;'/>", Syntax),
            // Digits that name no Char (WFC: Legal Character), however written.
            ("<a>&#0;</a>", InvalidCharacter),
            ("<a>&#x00000;</a>", InvalidCharacter),
            ("<a>&#1114112;</a>", InvalidCharacter),
            ("<a>&#x0000110000;</a>", InvalidCharacter),
            ("<a>&#99999999999999999999;</a>", InvalidCharacter),
            ("<a>&#xFFFFFFFFFFFF;</a>", InvalidCharacter),
            ("<a b='&#x0000FFFE;'/>", InvalidCharacter),
        ],
    );
}
