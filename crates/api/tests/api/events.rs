use std::time::Duration;

use medley_events::Event;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

/// Later capabilities react to playlist changes through the bus: a committed change is
/// published with what was added and removed and the new snapshot.
#[tokio::test]
async fn item_changes_are_published_on_the_bus() {
    let app = TestApp::spawn().await;
    let (ana_id, token) = app.user("ana").await;
    let t = app.tracks(&token, 3).await;
    let id = app.playlist(&token, json!({"name": "Watched"})).await;
    let mut events = app.bus.subscribe();
    let r = app
        .post(
            &format!("/v1/playlists/{id}/items"),
            Some(&token),
            json!({"uris": [t[0], t[1]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let snapshot = r.body["snapshot_id"].as_str().unwrap().to_owned();
    let r = app
        .delete(
            &format!("/v1/playlists/{id}/items"),
            Some(&token),
            Some(json!({"items": [{"uri": t[0]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let ids: Vec<String> = t
        .iter()
        .map(|u| u.trim_start_matches("medley:track:").to_owned())
        .collect();
    let mut changes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while changes.len() < 2 {
            if let Event::PlaylistItemsChanged(c) = &*events.next().await.unwrap() {
                changes.push(c.clone());
            }
        }
    })
    .await
    .expect("two item changes within the deadline");
    assert_eq!(changes[0].playlist_id, id);
    assert_eq!(changes[0].owner_id, ana_id);
    assert_eq!(changes[0].added, ids[..2]);
    assert_eq!(changes[0].snapshot_id, snapshot);
    assert_eq!(changes[0].item_count, 2);
    assert_eq!(changes[1].removed, ids[..1]);
    assert_eq!(changes[1].item_count, 1);
}

#[tokio::test]
async fn refused_edits_publish_nothing() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let id = app.playlist(&token, json!({"name": "Quiet"})).await;
    let mut events = app.bus.subscribe();
    let r = app
        .post(
            &format!("/v1/playlists/{id}/items"),
            Some(&token),
            json!({"uris": ["medley:track:0000000000000000000000"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A marker event published after the refused request must be the first one seen.
    app.bus.publish(Event::UserCreated {
        user_id: "marker".into(),
    });
    let first = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        *first,
        Event::UserCreated {
            user_id: "marker".into()
        }
    );
}
