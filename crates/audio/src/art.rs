//! Cover pictures: where an album's picture is found beside its files, what a picture is (its
//! size, read from its header), where it is stored (content-addressed), and resizing it to the
//! sizes players ask for, encoded as JPEG. Blocking: callers run it on a blocking thread.

use std::io::Cursor;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ImageReader, Limits};
use sha2::{Digest, Sha256};

/// The sizes (longest side, in pixels) a resized cover may be asked for.
pub const SIZES: RangeInclusive<u32> = 64..=1200;
/// Largest picture file read beside the audio (bigger ones are passed over).
pub const MAX_PICTURE_BYTES: u64 = 32 * 1024 * 1024;
/// Largest picture decoded, in pixels per side (a larger one is refused, not resized).
const MAX_SIDE: u32 = 12_000;
/// JPEG quality of resized covers.
const QUALITY: u8 = 85;

/// Names of the picture files that are an album's cover, by preference: `cover.*`, then
/// `folder.*`, then `front.*` (any case), in JPEG, PNG, WebP, GIF or BMP.
const NAMES: [&str; 3] = ["cover", "folder", "front"];
const EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "webp", "gif", "bmp"];

#[derive(Debug, thiserror::Error)]
pub enum ArtError {
    #[error("the picture cannot be read: {0}")]
    Unreadable(String),
    #[error("the picture cannot be encoded: {0}")]
    Encode(String),
}

/// A picture checked to be one: its bytes, SHA-256 (hex) and size in pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub bytes: Vec<u8>,
    pub hash: String,
    pub width: u32,
    pub height: u32,
}

/// A resized cover, JPEG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resized {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The object key of the cover picture whose SHA-256 is `hash`.
pub fn cover_key(hash: &str) -> String {
    format!("covers/{}/{hash}", &hash[..2.min(hash.len())])
}

/// The cover picture beside the audio in `dir`, if there is one: `cover.jpg`, `folder.png`,
/// `Front.jpeg`… (see [`NAMES`]), the first by name preference, then by extension.
pub fn folder_picture(dir: &Path) -> Option<PathBuf> {
    let mut best: Option<(usize, usize, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        let (stem, ext) = (stem.to_ascii_lowercase(), ext.to_ascii_lowercase());
        let (Some(n), Some(e)) = (
            NAMES.iter().position(|x| *x == stem),
            EXTENSIONS.iter().position(|x| *x == ext),
        ) else {
            continue;
        };
        let is_file = entry
            .file_type()
            .is_ok_and(|t| t.is_file() || t.is_symlink());
        if is_file && best.as_ref().is_none_or(|(bn, be, _)| (n, e) < (*bn, *be)) {
            best = Some((n, e, entry.path()));
        }
    }
    best.map(|(_, _, path)| path)
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, ArtError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ArtError::Unreadable(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_SIDE as u64 * MAX_SIDE as u64 * 4);
    reader.limits(limits);
    Ok(reader)
}

/// Checks that `bytes` are a picture Medley can resize (from its header, without decoding
/// it) and names it by its SHA-256.
pub fn picture(bytes: Vec<u8>) -> Result<Picture, ArtError> {
    let (width, height) = reader(&bytes)?
        .into_dimensions()
        .map_err(|e| ArtError::Unreadable(e.to_string()))?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ArtError::Unreadable(format!(
            "{width}×{height} pixels is not a size Medley resizes (at most {MAX_SIDE} a side)"
        )));
    }
    let hash = hex(&Sha256::digest(&bytes));
    Ok(Picture {
        bytes,
        hash,
        width,
        height,
    })
}

/// Reads the picture file at `path` (at most [`MAX_PICTURE_BYTES`]).
pub fn picture_file(path: &Path) -> Result<Picture, ArtError> {
    let meta = std::fs::metadata(path).map_err(|e| ArtError::Unreadable(e.to_string()))?;
    if meta.len() > MAX_PICTURE_BYTES {
        return Err(ArtError::Unreadable(format!(
            "{} is larger than {MAX_PICTURE_BYTES} bytes",
            path.display()
        )));
    }
    picture(std::fs::read(path).map_err(|e| ArtError::Unreadable(e.to_string()))?)
}

/// The picture fitted within `size`×`size` pixels (keeping its aspect, never enlarged),
/// encoded as JPEG.
pub fn resize(bytes: &[u8], size: u32) -> Result<Resized, ArtError> {
    let img = reader(bytes)?
        .decode()
        .map_err(|e| ArtError::Unreadable(e.to_string()))?;
    let (w, h) = fit(img.width(), img.height(), size);
    let img = if (w, h) == (img.width(), img.height()) {
        img
    } else {
        img.resize_exact(w, h, FilterType::Lanczos3)
    };
    let rgb = img.into_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| ArtError::Encode(e.to_string()))?;
    Ok(Resized {
        jpeg,
        width: w,
        height: h,
    })
}

/// `width`×`height` fitted within `size`×`size`, keeping the aspect, never enlarged. The same
/// arithmetic as the catalog's `fit` (which this crate does not import), so the sizes API
/// objects announce are the sizes served.
pub fn fit(width: u32, height: u32, size: u32) -> (u32, u32) {
    let (w, h, size) = (
        u64::from(width.max(1)),
        u64::from(height.max(1)),
        u64::from(size),
    );
    if w <= size && h <= size {
        return (w as u32, h as u32);
    }
    if w >= h {
        (size as u32, ((h * size + w / 2) / w).max(1) as u32)
    } else {
        (((w * size + h / 2) / h).max(1) as u32, size as u32)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_picture_is_resized_within_the_size_keeping_its_aspect() {
        let p = picture(png(400, 200)).unwrap();
        assert_eq!((p.width, p.height), (400, 200));
        let r = resize(&p.bytes, 100).unwrap();
        assert_eq!((r.width, r.height), (100, 50));
        let decoded = image::load_from_memory(&r.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (100, 50));
        assert_eq!(crate::cover::image_mime(&r.jpeg), "image/jpeg");
        // Never enlarged.
        let r = resize(&p.bytes, 1000).unwrap();
        assert_eq!((r.width, r.height), (400, 200));
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        assert!(picture(b"not a picture".to_vec()).is_err());
        assert!(picture(vec![]).is_err());
        let mut cut = png(50, 50);
        cut.truncate(60);
        assert!(resize(&cut, 64).is_err());
    }

    #[test]
    fn the_folder_picture_is_found_by_name_preference() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(folder_picture(dir.path()), None);
        for name in ["Front.JPG", "folder.png", "back.jpg", "cover.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(
            folder_picture(dir.path()).unwrap().file_name().unwrap(),
            "folder.png"
        );
        std::fs::write(dir.path().join("Cover.jpeg"), b"x").unwrap();
        assert_eq!(
            folder_picture(dir.path()).unwrap().file_name().unwrap(),
            "Cover.jpeg"
        );
    }

    #[test]
    fn covers_are_stored_by_hash() {
        assert_eq!(cover_key("abcdef"), "covers/ab/abcdef");
    }
}
