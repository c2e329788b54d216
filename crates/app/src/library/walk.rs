//! Walking a scanned folder: its audio files (by extension) with their size and modification
//! time, what was passed over, and what could not be read. Blocking.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// An audio file found below a root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The path below the root, with `/` between parts (for reports).
    pub rel: String,
    pub abs: PathBuf,
    /// `abs` as text: what identifies a scanned file, whichever folder the scan named.
    pub path: String,
    pub size: u64,
    pub mtime_ms: i64,
}

/// A file a scan could not use, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub path: String,
    pub reason: String,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<Found>,
    /// Files that are not audio (covers, playlists, hidden files).
    pub ignored: u64,
    pub failures: Vec<Failure>,
}

/// The folder a scan may read: an absolute path to an existing directory, canonicalised (so
/// the same folder named two ways is one root). The error says what is wrong with it.
pub fn check_root(path: &str) -> Result<PathBuf, String> {
    let p = Path::new(path);
    if !p.is_absolute() {
        return Err(format!(
            "`{path}` is not an absolute path: name folders from the root (/srv/music)"
        ));
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(format!("`{path}` is a file, not a folder")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("there is no folder `{path}` on the server"))
        }
        Err(e) => return Err(format!("`{path}` cannot be read: {e}")),
    }
    let canonical = p
        .canonicalize()
        .map_err(|e| format!("`{path}` cannot be read: {e}"))?;
    if canonical.to_str().is_none() {
        return Err(format!("`{path}` is not valid UTF-8"));
    }
    Ok(canonical)
}

fn hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// Every audio file below `root` (following links, with loops reported), in path order.
pub fn walk(root: &Path) -> Walked {
    let mut out = Walked::default();
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !hidden(e.file_name()));
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
                out.failures.push(Failure {
                    path,
                    reason: format!("cannot be read: {e}"),
                });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if !medley_audio::format::has_audio_extension(&name) {
            out.ignored += 1;
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let Some(rel) = rel.to_str() else {
            out.failures.push(Failure {
                path: entry.path().display().to_string(),
                reason: "the file name is not valid UTF-8: rename the file".into(),
            });
            continue;
        };
        match entry.metadata() {
            Ok(meta) => out.files.push(Found {
                rel: rel.replace(std::path::MAIN_SEPARATOR, "/"),
                abs: entry.path().to_owned(),
                path: entry.path().to_string_lossy().into_owned(),
                size: meta.len(),
                mtime_ms: medley_audio::probe::mtime_ms(&meta),
            }),
            Err(e) => out.failures.push(Failure {
                path: rel.to_owned(),
                reason: format!("cannot be read: {e}"),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_audio_is_found_and_hidden_files_are_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("Artist/Album")).unwrap();
        std::fs::create_dir_all(root.join(".trash")).unwrap();
        for f in [
            "Artist/Album/01.flac",
            "Artist/Album/cover.jpg",
            "Artist/Album/._01.flac",
            ".trash/old.mp3",
            "loose.MP3",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        let w = walk(root);
        let rels: Vec<&str> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["Artist/Album/01.flac", "loose.MP3"]);
        assert_eq!(w.ignored, 1);
        assert!(w.failures.is_empty());
    }

    #[test]
    fn roots_must_be_absolute_existing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.mp3");
        std::fs::write(&file, b"x").unwrap();
        assert!(check_root("music").unwrap_err().contains("absolute"));
        assert!(check_root("/no/such/folder")
            .unwrap_err()
            .contains("no folder"));
        assert!(check_root(file.to_str().unwrap())
            .unwrap_err()
            .contains("not a folder"));
        let twice = format!("{}/./", dir.path().display());
        assert_eq!(
            check_root(&twice).unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }
}
