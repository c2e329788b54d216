//! The composition use case over sources held in memory (see `sources::memory`): no Spotify is
//! configured and no HTTP is spoken, yet the URIs are Spotify's.

use std::collections::HashMap;
use std::sync::Arc;

use medley_compose::{Composite, Mode};
use medley_domain::{PlaylistId, TrackId};
use medley_store::NewPlaylist;

use super::{configure, sync};
use crate::error::AppError;
use crate::playlists::playlist_tracks;
use crate::sources::memory::{items, start, InMemory, InMemoryEnds, Start};
use crate::App;

/// The track ids the playlist holds, in order.
async fn held(app: &App, id: &PlaylistId) -> Vec<TrackId> {
    playlist_tracks(app, id)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.track.id)
        .collect()
}

#[tokio::test]
async fn a_composition_syncs_from_sources_in_memory() {
    let Start {
        db: _db,
        mut app,
        songs: t,
        user,
    } = start(4).await;
    let ids: Vec<TrackId> = t.iter().map(|t| t.id.clone()).collect();
    let mix = app
        .store
        .create_playlist(NewPlaylist {
            id: PlaylistId::new(),
            owner_id: user.id.clone(),
            name: "Mix".into(),
            description: None,
            public: false,
            collaborative: false,
            now_ms: 1,
        })
        .await
        .unwrap()
        .id;

    let (liked, skip) = ("spotify:user:ana:collection", "spotify:playlist:skip");
    let sources = HashMap::from([
        (
            liked.to_owned(),
            InMemory::new(liked, &[&t[0], &t[1], &t[2]]),
        ),
        (skip.to_owned(), InMemory::new(skip, &[&t[1]])),
    ]);
    let liked_end = sources[liked].clone();
    app.ends = Arc::new(InMemoryEnds {
        sources,
        ..Default::default()
    });
    assert!(app.spotify.is_none(), "no Spotify: the ends are the test's");

    let composite = Composite {
        sources: vec![
            medley_compose::Source {
                uri: liked.into(),
                mode: Mode::Include,
            },
            medley_compose::Source {
                uri: skip.into(),
                mode: Mode::Exclude,
            },
        ],
        options: Default::default(),
    };
    let report = configure(&app, &user, &mix, &composite).await.unwrap();
    assert_eq!(report.added.len(), 2, "{report:?}");
    assert_eq!(held(&app, &mix).await, [ids[0].clone(), ids[2].clone()]);

    // The source changes: the next sync follows it.
    liked_end
        .items
        .lock()
        .unwrap()
        .push(items(&[&t[3]]).remove(0));
    sync(&app, &mix).await.unwrap();
    assert_eq!(
        held(&app, &mix).await,
        [ids[0].clone(), ids[2].clone(), ids[3].clone()]
    );

    // A URI no end knows is refused when the composition is set up.
    let mut unknown = composite.clone();
    unknown.sources[1].uri = "spotify:playlist:nowhere".into();
    let e = configure(&app, &user, &mix, &unknown).await.unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
}
