//! Just enough of JPEG to check that an upload is one and to learn its size.

/// The width and height of a baseline or progressive JPEG, from its first frame header
/// (`SOFn`); `None` when `bytes` is not a JPEG or its header is cut short.
pub fn dimensions(bytes: &[u8]) -> Option<(u16, u16)> {
    if bytes.get(..3)? != [0xFF, 0xD8, 0xFF] {
        return None;
    }
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        // Standalone markers (no length): TEM and RSTn.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2;
            continue;
        }
        let length = u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]) as usize;
        if length < 2 {
            return None;
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_frame {
            let height = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            let width = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
            return (width > 0 && height > 0).then_some((width, height));
        }
        // Start of scan or end of image before any frame header: not a usable JPEG.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        at += 2 + length;
    }
}

#[cfg(test)]
mod tests {
    use super::dimensions;

    /// SOI, an APP0 segment, a SOF0 frame header of `w`×`h`, EOI.
    fn jpeg(w: u16, h: u16, sof: u8) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xFF, sof, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    #[test]
    fn the_frame_header_gives_the_size() {
        assert_eq!(dimensions(&jpeg(640, 480, 0xC0)), Some((640, 480)));
        assert_eq!(dimensions(&jpeg(300, 300, 0xC2)), Some((300, 300)));
    }

    #[test]
    fn other_bytes_are_not_jpegs() {
        assert_eq!(dimensions(b"\x89PNG\r\n\x1a\n...."), None);
        assert_eq!(dimensions(b""), None);
        assert_eq!(dimensions(&jpeg(640, 480, 0xC0)[..12]), None, "cut short");
        assert_eq!(dimensions(&jpeg(0, 480, 0xC0)), None, "no width");
        assert_eq!(dimensions(&[0xFF, 0xD8, 0xFF, 0xD9]), None, "no frame");
    }
}
