//! Composites written to a Spotify playlist: the owner's edits in the app, writes cut off in
//! flight, and the item kinds Spotify returns.

use super::*;
use medley_domain::PlaylistId;

/// Requests per endpoint since the emulator's counts were reset.
async fn endpoint_counts(emu: &Running) -> std::collections::BTreeMap<String, u64> {
    emu.control().requests().await.unwrap().by_endpoint
}

#[tokio::test]
async fn a_composite_written_to_spotify_learns_the_owners_edits_made_in_the_app() {
    let w = world().await;
    let control = w.emu.control();
    let second = control.playlist("alice", "Second").await.unwrap().id;
    control.add_items(&second, &w.tracks[60..90]).await.unwrap();
    let out = control.playlist("alice", "Together").await.unwrap().id;
    let mirror = w.app.playlist(&w.token, json!({"name": "Together"})).await;
    let composition = json!({
        "sources": [
            {"uri": format!("spotify:playlist:{}", w.mix)},
            {"uri": format!("spotify:playlist:{second}")},
        ],
        "options": {"target": format!("spotify:playlist:{out}")},
    });
    control.reset_requests().await.unwrap();
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{mirror}/composition"),
            Some(&w.token),
            composition,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..90].to_vec());
    // 90 newcomers: one write.
    assert_eq!(
        endpoint_counts(&w.emu).await["POST /v1/playlists/{id}/items"],
        1
    );
    // The Medley playlist mirrors it, and refuses edits of its own.
    let ninety: Vec<String> = w.tracks[..90].iter().map(|u| id_of(u)).collect();
    assert_eq!(spotify_ids(&w.app, &w.token, &mirror).await, ninety);
    let r = w
        .app
        .post(
            &format!("/v1/playlists/{mirror}/items"),
            Some(&w.token),
            json!({"uris": [w.tracks[0]]}),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "edit that one in Spotify");

    // In the Spotify app Alice adds a track of her own and removes one Medley put there;
    // meanwhile the Mix drops a track and Second gains one.
    control.add_items(&out, &w.tracks[95..96]).await.unwrap();
    control.remove_items(&out, &w.tracks[3..4]).await.unwrap();
    control
        .remove_items(&w.mix, &w.tracks[10..11])
        .await
        .unwrap();
    control.add_items(&second, &w.tracks[90..91]).await.unwrap();
    control.reset_requests().await.unwrap();
    let r = resync(&w, &mirror).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["learned_direct"],
        json!(one_of(&w.app, &w.tracks[95]).await)
    );
    assert_eq!(
        r.body["learned_suppressed"],
        json!(one_of(&w.app, &w.tracks[3]).await)
    );
    assert_eq!(
        r.body["removed"],
        json!(one_of(&w.app, &w.tracks[10]).await)
    );
    assert_eq!(r.body["added"], json!(one_of(&w.app, &w.tracks[90]).await));
    let mut expected: Vec<String> = w.tracks[..90]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 10)
        .map(|(_, u)| u.clone())
        .collect();
    expected.push(w.tracks[95].clone());
    expected.push(w.tracks[90].clone());
    assert_eq!(held(&w.emu.control(), &out).await, expected);
    // One removal and one addition: one request each.
    let counts = endpoint_counts(&w.emu).await;
    assert_eq!(counts["DELETE /v1/playlists/{id}/items"], 1);
    assert_eq!(counts["POST /v1/playlists/{id}/items"], 1);

    // The owner's removal holds although the Mix still has the track; a second sync changes
    // nothing.
    let r = resync(&w, &mirror).await;
    assert_eq!(
        (r.body["added"].clone(), r.body["removed"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(held(&w.emu.control(), &out).await, expected);
    let ids: Vec<String> = expected.iter().map(|u| id_of(u)).collect();
    assert_eq!(spotify_ids(&w.app, &w.token, &mirror).await, ids);
}

/// `[medley:track:<id>]` of the catalog track carrying a Spotify URI.
async fn one_of(app: &TestApp, spotify_uri: &str) -> Vec<String> {
    let found = app
        .store
        .tracks_by_spotify_ids(&[id_of(spotify_uri)])
        .await
        .unwrap();
    vec![format!("medley:track:{}", found[&id_of(spotify_uri)])]
}

#[tokio::test]
async fn a_write_cut_off_in_flight_is_neither_repeated_nor_taken_for_the_owners() {
    let w = world().await;
    let control = w.emu.control();
    let out = control.playlist("alice", "Out").await.unwrap().id;
    let mirror = PlaylistId::from(w.app.playlist(&w.token, json!({"name": "Out"})).await);
    let composition = json!({
        "sources": [{"uri": format!("spotify:playlist:{}", w.mix)}],
        "options": {"target": format!("spotify:playlist:{out}")},
    });
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{mirror}/composition"),
            Some(&w.token),
            composition,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..60].to_vec());

    // The Mix gains 5 tracks, and a sync follows in the background (as after a sweep). Medley
    // knows the target as it left it (it checks the snapshot only), so the first request to
    // the target's items is the write: it goes through at Spotify, and the connection drops
    // before the answer.
    control.add_items(&w.mix, &w.tracks[60..65]).await.unwrap();
    control
        .next_faults(&ScriptedFault {
            path_prefix: format!("/v1/playlists/{out}/items"),
            kind: FaultKind::Drop,
            count: 1,
            status: None,
        })
        .await
        .unwrap();
    let cut = medley_app::compositions::sync(&w.app.state.app, &mirror).await;
    // Unavailable, with Spotify's own error kept as the cause, and what happens next said.
    let Err(e @ medley_app::AppError::Upstream { .. }) = cut else {
        panic!("{cut:?}")
    };
    let cause = std::error::Error::source(&e)
        .and_then(|c| c.downcast_ref::<medley_spotify::SpotifyError>());
    assert!(
        matches!(cause, Some(medley_spotify::SpotifyError::Transport(_))),
        "{e:?}"
    );
    assert!(
        e.detail()
            .ends_with("; the next sync finds out what was written and finishes the change"),
        "{}",
        e.detail()
    );
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..65].to_vec());
    let path = format!("/v1/playlists/{mirror}/composition/sync");

    // The next sync reads the target, finds the write happened, and neither repeats it nor
    // takes the five for the owner's own additions.
    let r = w.app.post(&path, Some(&w.token), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["added"], json!([]), "{}", r.body);
    assert_eq!(r.body["learned_direct"], json!([]), "{}", r.body);
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..65].to_vec());
    // And when the Mix drops one of them, it leaves: it was Medley's, not the owner's.
    control
        .remove_items(&w.mix, &w.tracks[62..63])
        .await
        .unwrap();
    let r = w.app.post(&path, Some(&w.token), json!({})).await;
    assert_eq!(
        r.body["removed"],
        json!(one_of(&w.app, &w.tracks[62]).await)
    );

    // A background sync plans on the target as Medley left it, but checks its snapshot before
    // writing: the owner's addition made meanwhile in the app is seen, not duplicated.
    control.add_items(&out, &w.tracks[66..67]).await.unwrap();
    control.add_items(&w.mix, &w.tracks[66..68]).await.unwrap();
    let report = medley_app::compositions::sync(&w.app.state.app, &mirror)
        .await
        .unwrap();
    assert_eq!(report.learned_direct.len(), 1, "{report:?}");
    let mut expected = w.tracks[..65].to_vec();
    expected.remove(62);
    expected.push(w.tracks[66].clone());
    expected.push(w.tracks[67].clone());
    assert_eq!(held(&w.emu.control(), &out).await, expected);
}

#[tokio::test]
async fn local_files_episodes_unavailable_and_relinked_items_are_handled_as_spotify_says() {
    use medley_spotify_emulator::control::types::NewEpisode;

    let w = world().await;
    let control = w.emu.control();
    let odd = control.playlist("alice", "Odd").await.unwrap().id;
    let episode = control
        .add_episodes(&[NewEpisode {
            name: "A talk".into(),
            show: "A show".into(),
            duration_ms: 1_800_000,
            ..Default::default()
        }])
        .await
        .unwrap()
        .uris
        .remove(0);
    // The playlist holds: t0, a local file, an episode, t1 (to become unavailable), t2
    // (relinked to t3 in the listener's market), t4.
    let local = "spotify:local:Some+Band:Some+Album:A+Demo:200".to_owned();
    let uris = vec![
        w.tracks[110].clone(),
        local,
        episode,
        w.tracks[111].clone(),
        w.tracks[112].clone(),
        w.tracks[114].clone(),
    ];
    control.add_items(&odd, &uris).await.unwrap();
    control
        .make_unavailable(&id_of(&w.tracks[111]))
        .await
        .unwrap();
    control
        .relink(&id_of(&w.tracks[112]), &id_of(&w.tracks[113]))
        .await
        .unwrap();

    let mine = w.app.playlist(&w.token, json!({"name": "Odd copy"})).await;
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{mine}/composition"),
            Some(&w.token),
            json!({"sources": [{"uri": format!("spotify:playlist:{odd}")}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Tracks only; the relinked one is known by the URI the playlist holds.
    let expected = vec![
        id_of(&w.tracks[110]),
        id_of(&w.tracks[112]),
        id_of(&w.tracks[114]),
    ];
    assert_eq!(spotify_ids(&w.app, &w.token, &mine).await, expected);

    // Removing the relinked track in the app (by the URI the playlist holds) removes it here.
    control
        .remove_items(&odd, &w.tracks[112..113])
        .await
        .unwrap();
    let r = resync(&w, &mine).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        spotify_ids(&w.app, &w.token, &mine).await,
        vec![id_of(&w.tracks[110]), id_of(&w.tracks[114])]
    );
}
