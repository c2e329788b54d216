//! The cover picture embedded in an audio file, read from the file's bytes (the scan records
//! only that there is one; its bytes stay in the file).

use std::io::Cursor;

use lofty::file::TaggedFileExt;
use lofty::probe::Probe;

/// An embedded picture: its bytes and media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverImage {
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// The front cover (or else the first picture) embedded in `audio`, the whole file's bytes;
/// `None` when the file carries none or cannot be read.
pub fn embedded_cover(audio: &[u8]) -> Option<CoverImage> {
    let tagged = Probe::new(Cursor::new(audio))
        .guess_file_type()
        .ok()?
        .read()
        .ok()?;
    front_cover(&tagged)
}

/// The front cover (or else the first picture) embedded in the audio file at `path`, read
/// from its tags only (the audio itself is not read).
pub fn embedded_cover_file(path: &std::path::Path) -> Option<CoverImage> {
    let tagged = Probe::open(path)
        .ok()?
        .guess_file_type()
        .ok()?
        .read()
        .ok()?;
    front_cover(&tagged)
}

fn front_cover(tagged: &lofty::file::TaggedFile) -> Option<CoverImage> {
    let pictures = tagged.tags().iter().flat_map(|t| t.pictures());
    let mut first = None;
    for p in pictures {
        if p.pic_type() == lofty::picture::PictureType::CoverFront {
            first = Some(p);
            break;
        }
        first.get_or_insert(p);
    }
    let picture = first?;
    Some(CoverImage {
        mime: image_mime(picture.data()),
        bytes: picture.data().to_vec(),
    })
}

/// The media type of an image, from its first bytes (what a file's tag claims is often wrong).
pub fn image_mime(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'B', b'M', ..] => "image/bmp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_come_from_the_bytes() {
        assert_eq!(image_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
        assert_eq!(image_mime(b"\x89PNG\r\n\x1a\n"), "image/png");
        assert_eq!(image_mime(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(image_mime(b"nothing"), "application/octet-stream");
    }

    #[test]
    fn a_file_without_pictures_has_no_cover() {
        let wav = crate::testing::wav(200, 440.0, &crate::testing::Written::song("a", "b", "c"));
        assert_eq!(embedded_cover(&wav), None);
        assert_eq!(embedded_cover(b"not audio"), None);
    }
}
