//! `--seed-demo`: a user `demo` with generated tracks, a few playlists, Liked Songs and
//! recent plays, so a person can try Medley against the emulator.

use crate::world::playlists::{Details, Via};
use crate::world::users::Play;
use crate::world::{World, WorldResult};

pub const DEMO_USER: &str = "demo";

pub fn seed(world: &mut World, now: i64) -> WorldResult<()> {
    world.create_user(
        DEMO_USER,
        Some("Demo Listener".into()),
        Some("SE".into()),
        Some("premium".into()),
    )?;
    let ids = world.generate_tracks(240, 2026);
    let uri = |id: &String| format!("spotify:track:{id}");
    let lists: [(&str, &str, std::ops::Range<usize>); 4] = [
        ("Morning Coffee", "Slow starts", 0..40),
        ("Running Mix", "Fast and loud", 40..100),
        ("Late Night Drive", "", 100..160),
        ("Everything", "All the demo tracks", 0..240),
    ];
    for (name, description, range) in lists {
        let details = Details {
            name: Some(name.into()),
            description: Some(description.into()),
            public: Some(false),
            collaborative: None,
        };
        let id = world.create_playlist(DEMO_USER, None, details)?;
        let uris: Vec<String> = ids[range].iter().map(uri).collect();
        for chunk in uris.chunks(100) {
            world.add_items(now, &id, DEMO_USER, chunk, None, Via::App)?;
        }
    }
    world.like(now, DEMO_USER, &ids[160..200])?;
    for (n, id) in ids[200..240].iter().enumerate() {
        let played_at = now - (n as i64 + 1) * 4 * 60 * 1_000;
        world.record_play(
            DEMO_USER,
            Play {
                track_id: id.clone(),
                played_at,
                context_uri: None,
            },
        )?;
    }
    Ok(())
}
