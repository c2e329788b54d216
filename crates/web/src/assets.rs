//! The embedded files. Adding a file under `assets/` means adding a line to [`FILES`].

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// One embedded file: its path under `/assets/{version}/`, its bytes, its content type.
pub struct Asset {
    pub path: &'static str,
    pub bytes: &'static [u8],
    pub content_type: &'static str,
}

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset {
            path: $path,
            bytes: include_bytes!(concat!("../assets/", $path)),
            content_type: $type,
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file the app is made of, except the shell (`index.html`).
pub static FILES: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("js/app.js", JS),
    asset!("js/api.js", JS),
    asset!("js/dom.js", JS),
    asset!("js/live.js", JS),
    asset!("js/player.js", JS),
    asset!("js/tracks.js", JS),
    asset!("js/pages/account.js", JS),
    asset!("js/pages/admin.js", JS),
    asset!("js/pages/catalog.js", JS),
    asset!("js/pages/composite.js", JS),
    asset!("js/pages/imports.js", JS),
    asset!("js/pages/insights.js", JS),
    asset!("js/pages/liked.js", JS),
    asset!("js/pages/playlist.js", JS),
    asset!("js/pages/playlists.js", JS),
    asset!("js/pages/room.js", JS),
    asset!("js/pages/search.js", JS),
    asset!("js/pages/shows.js", JS),
    asset!("js/pages/spotify.js", JS),
    asset!("js/pages/stats.js", JS),
    asset!("js/pages/syncjobs.js", JS),
    asset!("js/pages/tokens.js", JS),
];

/// The shell as committed, with `{{v}}` where the version goes.
const SHELL: &str = include_str!("../assets/index.html");

/// A file by its path under `/assets/{version}/`.
pub fn find(path: &str) -> Option<&'static Asset> {
    FILES.iter().find(|a| a.path == path)
}

/// Twelve hex digits of a hash of every file: changes whenever any file does, so URLs that
/// carry it can be cached forever.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash = Sha256::new();
        hash.update(SHELL.as_bytes());
        for asset in FILES {
            hash.update(asset.path.as_bytes());
            hash.update(asset.bytes);
        }
        hash.finalize()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The shell with the version filled in.
pub fn shell_html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| SHELL.replace("{{v}}", version()))
}

/// `bytes` gzipped at the best compression (what browsers are sent when they accept gzip).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    out.write_all(bytes).expect("gzip into memory");
    out.finish().expect("gzip into memory")
}

/// The shell, gzipped once.
pub fn shell_gzip() -> &'static [u8] {
    static GZ: OnceLock<Vec<u8>> = OnceLock::new();
    GZ.get_or_init(|| gzip(shell_html().as_bytes()))
}

impl Asset {
    /// This file gzipped: every file is compressed once, when the first is asked for
    /// (about 10 ms for the whole app), and kept.
    pub fn gzipped(&self) -> &'static [u8] {
        static GZ: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        let all = GZ.get_or_init(|| FILES.iter().map(|a| gzip(a.bytes)).collect());
        let i = FILES
            .iter()
            .position(|a| a.path == self.path)
            .expect("an asset is one of FILES");
        &all[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_an_embedded_file_imports_is_embedded_too() {
        for asset in FILES.iter().filter(|a| a.path.ends_with(".js")) {
            let text = std::str::from_utf8(asset.bytes).unwrap();
            let dir = asset.path.rsplit_once('/').map_or("", |(d, _)| d);
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let spec = line.rsplit_once("from '").unwrap().1.trim_end_matches("';");
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                for piece in spec.split('/') {
                    match piece {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        name => parts.push(name),
                    }
                }
                let path = parts.join("/");
                assert!(
                    find(&path).is_some(),
                    "{} imports {spec}: {path} is not in FILES",
                    asset.path
                );
            }
        }
    }

    #[test]
    fn every_file_gzipped_reads_back_as_itself_and_smaller() {
        use std::io::Read;
        for asset in FILES {
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(asset.gzipped())
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, asset.bytes, "{}", asset.path);
            assert!(asset.gzipped().len() < asset.bytes.len(), "{}", asset.path);
        }
    }

    #[test]
    fn the_version_is_twelve_hex_digits() {
        assert_eq!(version().len(), 12);
        assert!(version().chars().all(|c| c.is_ascii_hexdigit()));
    }
}
