//! Containers: files that hold other files or messages. Today this is the archive
//! readers (zip, tar, gzip); the batch runner splits captures and feeds entries to the
//! engine.

pub(crate) mod archive;

pub mod codes {
    //! Diagnostic codes of containers: archives that cannot be opened safely, and the
    //! bounds every container is held to.
    crate::codes::define_codes! {
        ARCHIVE_CORRUPT: Error, "An archive's structure is broken (truncated, a failed checksum, a central directory that disagrees with the local headers); the damaged part was not examined.";
        ARCHIVE_ENTRY_UNSAFE_NAME: Error, "An archive entry's name is absolute or climbs out of the archive with `..`; the entry was not read.";
        ARCHIVE_ENTRY_LINK: Error, "An archive entry is a symbolic link, hard link, device or FIFO; it was neither read nor followed.";
        ARCHIVE_ENTRY_UNSUPPORTED: Error, "An archive entry is encrypted or uses a compression method or entry type that is not supported; it was not read.";
        ARCHIVE_BOMB_SUSPECTED: Error, "An archive entry decompresses far more than its compressed size (or shares compressed bytes with another entry); reading stopped there.";
        ARCHIVE_DEPTH_EXCEEDED: Error, "Archives are nested deeper than the configured limit; the inner archive was not opened.";
        CONTAINER_BYTES_EXCEEDED: Error, "A container produced more bytes than its configured bound; the rest was not examined.";
        CONTAINER_ENTRIES_EXCEEDED: Error, "A container holds more entries than its configured bound; the rest were not examined.";
    }
}
