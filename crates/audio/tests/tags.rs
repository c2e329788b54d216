//! What Medley reads from generated files, checked against what was written and against
//! ffprobe, a reader independent of lofty. WAV files are written by the test itself; the other
//! formats are encoded by ffmpeg (skipped without it, unless `MEDLEY_REQUIRE_FFMPEG` is set).

use medley_audio::testing::{ffmpeg, wav, Encoding, Written};
use medley_audio::{probe, Format, ProbeError};
use sha2::{Digest, Sha256};

fn full_tags() -> Written {
    Written {
        title: Some("Sine Song".into()),
        artist: Some("Alpha; Beta".into()),
        album: Some("Tones".into()),
        album_artist: Some("Various Artists".into()),
        track: Some(3),
        disc: Some(2),
        date: Some("2019-05-03".into()),
        genre: Some("Electronic".into()),
        isrc: Some("USRC17607839".into()),
        track_gain: Some("-6.50 dB".into()),
        musicbrainz_recording_id: Some("8f3471b5-7e6a-48da-86a9-c1c07a0f47ae".into()),
        musicbrainz_album_id: Some("0a8b5a0c-8a53-4f0e-9b2b-6f1a0c1c2d3e".into()),
    }
}

#[test]
fn a_wav_written_here_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let tags = Written {
        date: Some("2001".into()),
        genre: Some("Ambient".into()),
        track: Some(7),
        ..Written::song("Hum", "The Sines", "Waves")
    };
    let bytes = wav(1_500, 440.0, &tags);
    let path = dir.path().join("hum.wav");
    std::fs::write(&path, &bytes).unwrap();
    let p = probe(&path).unwrap();
    assert_eq!(p.format, Format::Wav);
    assert_eq!(p.properties.codec, "pcm");
    assert!(
        (1_490..=1_510).contains(&p.properties.duration_ms),
        "{:?}",
        p.properties
    );
    assert_eq!(p.properties.sample_rate_hz, Some(44_100));
    assert_eq!(
        (p.properties.channels, p.properties.bit_depth),
        (Some(1), Some(16))
    );
    assert_eq!(p.properties.bitrate_kbps, Some(706));
    assert_eq!(p.tags.title.as_deref(), Some("Hum"));
    assert_eq!(p.tags.artists, ["The Sines"]);
    assert_eq!(p.tags.album.as_deref(), Some("Waves"));
    assert_eq!(p.tags.date.as_deref(), Some("2001"));
    assert_eq!(p.tags.genres, ["Ambient"]);
    assert_eq!(p.tags.track_number, Some(7));
    assert_eq!(p.size, bytes.len() as u64);
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(p.content_hash, hash);
    assert_eq!(p.mislabelled_as, None);
}

#[test]
fn every_format_reads_back_what_ffmpeg_wrote_and_agrees_with_ffprobe() {
    let Some(ff) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let written = full_tags();
    for (i, encoding) in Encoding::ALL.into_iter().enumerate() {
        let path = ff.make(
            dir.path(),
            "song",
            encoding,
            2_000,
            300.0 + i as f64,
            &written,
        );
        let p = probe(&path).unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
        let independent = ff.probe(&path);
        let (format, codec) = match encoding {
            Encoding::Flac => (Format::Flac, "flac"),
            Encoding::Mp3 => (Format::Mp3, "mp3"),
            Encoding::Vorbis => (Format::Vorbis, "vorbis"),
            Encoding::Opus => (Format::Opus, "opus"),
            Encoding::M4a => (Format::Mp4, "aac"),
        };
        assert_eq!(
            (p.format, p.properties.codec.as_str()),
            (format, codec),
            "{encoding:?}"
        );
        assert_eq!(independent.codec, codec, "ffprobe's codec of {encoding:?}");
        let ours = p.properties.duration_ms as i64;
        assert!(
            (ours - independent.duration_ms as i64).abs() <= 60 && (ours - 2_000).abs() <= 60,
            "{encoding:?}: {ours} ms, ffprobe {} ms",
            independent.duration_ms
        );
        assert!(p.properties.sample_rate_hz.is_some(), "{encoding:?}");
        assert!(
            p.properties.bitrate_kbps.is_some_and(|b| b > 8),
            "{encoding:?}"
        );
        let t = &p.tags;
        assert_eq!(t.title.as_deref(), Some("Sine Song"), "{encoding:?}");
        assert_eq!(
            t.title,
            independent.tags.get("title").cloned(),
            "{encoding:?}"
        );
        assert_eq!(t.artists, ["Alpha", "Beta"], "{encoding:?}");
        assert_eq!(
            independent.tags.get("artist").map(String::as_str),
            Some("Alpha; Beta"),
            "{encoding:?}"
        );
        assert_eq!(t.album.as_deref(), Some("Tones"), "{encoding:?}");
        assert_eq!(
            t.album_artist.as_deref(),
            Some("Various Artists"),
            "{encoding:?}"
        );
        assert_eq!(
            (t.track_number, t.disc_number),
            (Some(3), Some(2)),
            "{encoding:?}"
        );
        assert_eq!(t.date.as_deref(), Some("2019-05-03"), "{encoding:?}");
        assert_eq!(t.genres, ["Electronic"], "{encoding:?}");
        if encoding.carries_isrc() {
            assert_eq!(t.isrc.as_deref(), Some("USRC17607839"), "{encoding:?}");
            assert_eq!(t.replay_gain.track_gain_db, Some(-6.5), "{encoding:?}");
            assert_eq!(
                t.musicbrainz.release_id.as_deref(),
                Some("0a8b5a0c-8a53-4f0e-9b2b-6f1a0c1c2d3e"),
                "{encoding:?}"
            );
            if encoding != Encoding::Mp3 {
                assert_eq!(
                    t.musicbrainz.recording_id.as_deref(),
                    Some("8f3471b5-7e6a-48da-86a9-c1c07a0f47ae"),
                    "{encoding:?}"
                );
            }
        }
        assert_eq!(t.cover, None, "{encoding:?}");
    }
}

#[test]
fn an_embedded_cover_is_noticed() {
    let Some(ff) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    for encoding in [Encoding::Mp3, Encoding::Flac] {
        let plain = ff.make(
            dir.path(),
            "c",
            encoding,
            500,
            500.0,
            &Written::song("C", "A", "B"),
        );
        let covered = ff.with_cover(&plain);
        let cover = probe(&covered).unwrap().tags.cover;
        let cover = cover.unwrap_or_else(|| panic!("{encoding:?}: no cover read"));
        assert_eq!(cover.mime.as_deref(), Some("image/png"), "{encoding:?}");
        assert!(cover.bytes > 20, "{cover:?}");
    }
}

#[test]
fn bad_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let empty = write("empty.flac", b"");
    assert!(matches!(probe(&empty), Err(ProbeError::Empty)));
    let text = write(
        "notes.mp3",
        b"these are my notes, not music\n".repeat(50).as_slice(),
    );
    let e = probe(&text).unwrap_err();
    assert!(e.is_unknown_format(), "{e}");
    let noise = write(
        "noise.ogg",
        &(0..4096u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    );
    assert!(probe(&noise).unwrap_err().is_unknown_format());

    // A WAV cut inside its header, and one whose data chunk is gone.
    let good = wav(1_000, 220.0, &Written::song("T", "A", "B"));
    let cut = write("cut.wav", &good[..30]);
    let e = probe(&cut).unwrap_err();
    assert!(
        matches!(e, ProbeError::Corrupt { .. } | ProbeError::NoAudio(_)),
        "{e}"
    );
    let headless = write("headless.wav", &good[..44]);
    assert!(probe(&headless).is_err());

    // Named as MP3, holding a WAV: read as what it is.
    let mislabelled = write("really-a-wav.mp3", &good);
    let p = probe(&mislabelled).unwrap();
    assert_eq!(p.format, Format::Wav);
    assert_eq!(p.mislabelled_as.as_deref(), Some("mp3"));
}

#[test]
fn truncated_encoded_files_are_refused() {
    let Some(ff) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    for encoding in Encoding::ALL {
        let path = ff.make(
            dir.path(),
            "t",
            encoding,
            1_000,
            600.0,
            &Written::song("T", "A", "B"),
        );
        let bytes = std::fs::read(&path).unwrap();
        let cut = dir.path().join(format!("cut.{}", encoding.extension()));
        std::fs::write(&cut, &bytes[..20.min(bytes.len())]).unwrap();
        assert!(
            probe(&cut).is_err(),
            "{encoding:?} cut to 20 bytes was accepted"
        );
    }
}

#[test]
fn a_huge_tag_frame_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let huge = Written {
        title: Some("x".repeat(20 * 1024 * 1024)),
        ..Written::song("", "Big", "Tags")
    };
    let path = dir.path().join("huge.wav");
    std::fs::write(&path, wav(500, 440.0, &huge)).unwrap();
    match probe(&path) {
        Err(e) => assert!(matches!(e, ProbeError::Corrupt { .. }), "{e}"),
        Ok(p) => panic!(
            "a 20 MiB title was accepted: {} bytes",
            p.tags.title.map_or(0, |t| t.len())
        ),
    }
}
