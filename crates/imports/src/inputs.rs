//! What an import reads: files, folders (walked in name order) and zip archives such as
//! `my_spotify_data.zip`, checked before anything is extracted.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;
use zip::ZipArchive;

/// Limits a zip archive must respect before any entry is read: a "zip bomb" (a small archive
/// that inflates to terabytes) is refused from its directory alone, and no entry may inflate
/// past the size its directory declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    pub max_entries: usize,
    /// Sum of the declared uncompressed sizes.
    pub max_total_bytes: u64,
    /// Uncompressed / compressed, for entries over [`ZipLimits::RATIO_FLOOR_BYTES`]. Real
    /// exports compress about 10 to 20 times.
    pub max_ratio: u64,
}

impl ZipLimits {
    /// Entries smaller than this are not ratio-checked (tiny files compress very well).
    pub const RATIO_FLOOR_BYTES: u64 = 1024 * 1024;
}

impl Default for ZipLimits {
    fn default() -> ZipLimits {
        ZipLimits {
            max_entries: 10_000,
            max_total_bytes: 16 * 1024 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// Why inputs cannot be imported at all.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{name}: not a readable zip archive: {message}")]
    BadZip { name: String, message: String },
    #[error("{name}: the archive has {entries} entries, more than the {limit} allowed")]
    TooManyEntries {
        name: String,
        entries: usize,
        limit: usize,
    },
    #[error("{name}: the archive would inflate to {total} bytes, more than the {limit} allowed")]
    TooLarge {
        name: String,
        total: u64,
        limit: u64,
    },
    #[error(
        "{name}: entry {entry} inflates {ratio} times ({compressed} to {uncompressed} bytes), \
         more than the {limit} times a real export does: refused as a possible zip bomb"
    )]
    Ratio {
        name: String,
        entry: String,
        ratio: u64,
        compressed: u64,
        uncompressed: u64,
        limit: u64,
    },
    #[error("{0}: encrypted zip entries cannot be imported")]
    Encrypted(String),
    #[error("nothing to import: {0}")]
    Empty(String),
}

/// One file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File {
        path: PathBuf,
        name: String,
        size: u64,
    },
    /// An entry of a zip archive that passed [`ZipLimits`].
    Zipped {
        archive: PathBuf,
        index: usize,
        /// `archive.zip/folder/file.json`
        name: String,
        size: u64,
    },
}

impl Entry {
    pub fn name(&self) -> &str {
        match self {
            Entry::File { name, .. } | Entry::Zipped { name, .. } => name,
        }
    }

    /// Uncompressed size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Entry::File { size, .. } | Entry::Zipped { size, .. } => *size,
        }
    }

    /// The file name without folders.
    pub fn base_name(&self) -> &str {
        self.name().rsplit('/').next().unwrap_or(self.name())
    }

    /// Spotify names video history `Streaming_History_Video_*`; its rows look like audio
    /// rows, so only the name tells them apart.
    pub fn is_video_history(&self) -> bool {
        self.base_name().starts_with("Streaming_History_Video")
    }

    /// Reads the entry (blocking): `read` gets its bytes; a zipped entry inflates to at most
    /// its declared size.
    pub fn read_with<T>(&self, read: impl FnOnce(&mut dyn Read) -> T) -> io::Result<T> {
        match self {
            Entry::File { path, .. } => Ok(read(&mut File::open(path)?)),
            Entry::Zipped {
                archive,
                index,
                size,
                ..
            } => {
                let file = BufReader::new(File::open(archive)?);
                let mut archive = ZipArchive::new(file).map_err(io::Error::other)?;
                let entry = archive.by_index(*index).map_err(io::Error::other)?;
                let result = read(&mut entry.take(*size));
                Ok(result)
            }
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> InputError + '_ {
    move |source| InputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Whether the file starts like a zip archive (`PK\x03\x04`), whatever its name.
pub fn is_zip(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 4];
    let mut file = File::open(path)?;
    let mut read = 0;
    while read < 4 {
        match file.read(&mut magic[read..])? {
            0 => return Ok(false),
            n => read += n,
        }
    }
    Ok(&magic == b"PK\x03\x04")
}

/// The entries of `paths`: files as they are, folders walked recursively in name order, zip
/// archives (recognised by content) opened and checked against `limits`.
pub fn collect(paths: &[PathBuf], limits: &ZipLimits) -> Result<Vec<Entry>, InputError> {
    let mut out = Vec::new();
    for path in paths {
        collect_path(path, &display_name(path), limits, &mut out)?;
    }
    if out.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(InputError::Empty(format!(
            "no files in {}",
            names.join(", ")
        )));
    }
    Ok(out)
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn collect_path(
    path: &Path,
    name: &str,
    limits: &ZipLimits,
    out: &mut Vec<Entry>,
) -> Result<(), InputError> {
    let meta = std::fs::metadata(path).map_err(io_error(path))?;
    if meta.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io_error(path))?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()
            .map_err(io_error(path))?;
        children.sort();
        for child in children {
            let child_name = format!("{name}/{}", display_name(&child));
            collect_path(&child, &child_name, limits, out)?;
        }
    } else if is_zip(path).map_err(io_error(path))? {
        out.extend(zip_entries(path, name, limits)?);
    } else {
        out.push(Entry::File {
            path: path.to_owned(),
            name: name.to_owned(),
            size: meta.len(),
        });
    }
    Ok(())
}

/// Checks a zip archive's directory against `limits` and lists its files.
pub fn zip_entries(path: &Path, name: &str, limits: &ZipLimits) -> Result<Vec<Entry>, InputError> {
    let bad = |e: zip::result::ZipError| InputError::BadZip {
        name: name.to_owned(),
        message: e.to_string(),
    };
    let file = BufReader::new(File::open(path).map_err(io_error(path))?);
    let mut archive = ZipArchive::new(file).map_err(bad)?;
    if archive.len() > limits.max_entries {
        return Err(InputError::TooManyEntries {
            name: name.to_owned(),
            entries: archive.len(),
            limit: limits.max_entries,
        });
    }
    let mut entries = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(bad)?;
        if entry.is_dir() {
            continue;
        }
        let entry_name = entry.name().to_owned();
        if entry.encrypted() {
            return Err(InputError::Encrypted(format!("{name}/{entry_name}")));
        }
        let (size, compressed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        if size > ZipLimits::RATIO_FLOOR_BYTES {
            let ratio = size / compressed.max(1);
            if ratio > limits.max_ratio {
                return Err(InputError::Ratio {
                    name: name.to_owned(),
                    entry: entry_name,
                    ratio,
                    compressed,
                    uncompressed: size,
                    limit: limits.max_ratio,
                });
            }
        }
        entries.push(Entry::Zipped {
            archive: path.to_owned(),
            index,
            name: format!("{name}/{entry_name}"),
            size,
        });
    }
    if total > limits.max_total_bytes {
        return Err(InputError::TooLarge {
            name: name.to_owned(),
            total,
            limit: limits.max_total_bytes,
        });
    }
    entries.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(entries)
}
