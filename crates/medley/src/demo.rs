//! `serve --demo`: the Chinook catalog, demo users and playlists, created once. Passwords are
//! random and printed when the users are created.

use anyhow::anyhow;
use medley_app::accounts;
use medley_app::App;
use medley_domain::new_id;
use medley_store::{ItemsEdit, NewPlaylist};
use rand::distributions::{Alphanumeric, DistString};

pub async fn fill(state: &App) -> anyhow::Result<()> {
    let store = state.store.as_ref();
    let now = medley_app::now_ms();
    let track_ids = if store.track_count().await? == 0 {
        let tracks = medley_demo::chinook();
        let ids = store.upsert_tracks(&tracks, now).await?;
        println!("Demo catalog: {} tracks added.", ids.len());
        ids
    } else {
        println!("Demo: the catalog already has tracks; leaving it as it is.");
        return Ok(());
    };
    let mut user_ids = std::collections::HashMap::new();
    for u in medley_demo::users() {
        let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
        let user = accounts::create_user(store, &state.bus, u.username, &password)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        println!("Demo user: {} / password: {password}", u.username);
        user_ids.insert(u.username, user.id);
    }
    for p in medley_demo::playlists() {
        let owner = user_ids
            .get(p.owner)
            .ok_or_else(|| anyhow!("demo playlist owner {} missing", p.owner))?;
        let playlist = store
            .create_playlist(NewPlaylist {
                id: new_id(),
                owner_id: owner.clone(),
                name: p.name.to_owned(),
                description: Some(p.description.clone()),
                public: p.public,
                collaborative: false,
                now_ms: now,
            })
            .await?;
        let ids: Vec<String> = p.tracks.iter().map(|&i| track_ids[i].clone()).collect();
        let edit = ItemsEdit::Add {
            track_ids: ids,
            position: None,
        };
        store
            .edit_items(
                &playlist.id,
                owner,
                None,
                edit,
                state.config.max_playlist_items,
                now,
            )
            .await?;
    }
    println!("Demo playlists created.");
    Ok(())
}
