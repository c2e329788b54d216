//! Spotify connections: authorizations, pauses, usage and stored reads.

use medley_store::{
    ConnectionStatus, ConnectionStore, JobStore, NewConnection, SqlStore, SyncJob, UserStore,
};

use crate::new_user;

on_both_backends!(spotify_connections_authorizations_pauses_and_usage);

async fn spotify_connections_authorizations_pauses_and_usage(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let ben = store.create_user(new_user("ben")).await.unwrap().id;

    // An authorization is taken once, and not after it expired.
    store
        .put_authorization("h1", &ana, "sealed-v", "http://127.0.0.1:9/cb", 10_000)
        .await
        .unwrap();
    store
        .put_authorization("h2", &ana, "sealed-w", "http://127.0.0.1:9/cb", 10_000)
        .await
        .unwrap();
    let taken = store
        .take_authorization("h1", 5_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.user_id.as_str(), taken.sealed_verifier.as_str()),
        (ana.as_str(), "sealed-v")
    );
    assert!(store
        .take_authorization("h1", 5_000)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .take_authorization("h2", 10_000)
        .await
        .unwrap()
        .is_none());

    let scopes = vec![
        "playlist-read-private".to_owned(),
        "user-library-read".to_owned(),
    ];
    let link = |id, user, spotify, tokens, now_ms| NewConnection {
        id,
        user_id: user,
        client_id: "app",
        spotify_user_id: spotify,
        display_name: Some("Ana"),
        scopes: &scopes,
        sealed_tokens: tokens,
        now_ms,
    };
    let c1 = store
        .upsert_connection(link("c1", &ana, "sp-ana", "t1", 1_000))
        .await
        .unwrap();
    assert_eq!((c1.status, c1.scopes.len()), (ConnectionStatus::Active, 2));
    store
        .set_connection_status(
            "c1",
            ConnectionStatus::Reconnect,
            Some("Refresh token revoked"),
            2_000,
        )
        .await
        .unwrap();
    let c1 = store.connection("c1").await.unwrap().unwrap();
    assert_eq!(c1.status, ConnectionStatus::Reconnect);
    // Connecting the same Spotify account again refreshes the one connection.
    let again = store
        .upsert_connection(link("c9", &ana, "sp-ana", "t2", 3_000))
        .await
        .unwrap();
    assert_eq!(again.id, "c1");
    assert_eq!(
        (
            again.status,
            again.status_reason,
            again.sealed_tokens.as_str(),
            again.consented_at_ms
        ),
        (ConnectionStatus::Active, None, "t2", 3_000)
    );
    store
        .upsert_connection(link("c2", &ben, "sp-ben", "t3", 4_000))
        .await
        .unwrap();
    store
        .set_connection_tokens("c2", "t4", 5_000)
        .await
        .unwrap();
    assert_eq!(
        store.connection("c2").await.unwrap().unwrap().sealed_tokens,
        "t4"
    );
    assert_eq!(store.connections(&ana).await.unwrap().len(), 1);
    assert_eq!(store.app_connections("app").await.unwrap().len(), 2);
    // Only its owner deletes a connection.
    assert!(!store.delete_connection(&ana, "c2").await.unwrap());
    assert!(store.delete_connection(&ben, "c2").await.unwrap());
    assert!(store.connection("c2").await.unwrap().is_none());

    assert_eq!(store.app_pauses("app").await.unwrap(), (0, 0));
    store
        .set_app_pauses("app", 7_000, 90_000, 6_000)
        .await
        .unwrap();
    assert_eq!(store.app_pauses("app").await.unwrap(), (7_000, 90_000));

    // Usage is counted per minute and summed over the window asked for.
    let minute = 60_000;
    store
        .record_usage("app", "c1", 10 * minute + 5, 3)
        .await
        .unwrap();
    store
        .record_usage("app", "c1", 10 * minute + 50_000, 2)
        .await
        .unwrap();
    store.record_usage("app", "", 11 * minute, 1).await.unwrap();
    store
        .record_usage("app", "c1", 3 * minute, 100)
        .await
        .unwrap();
    store
        .record_usage("other", "c1", 11 * minute, 7)
        .await
        .unwrap();
    let usage = store.usage("app", 10 * minute).await.unwrap();
    assert_eq!(usage.total, 6);
    assert_eq!(usage.by_connection["c1"], 5);
    assert_eq!(usage.by_connection[""], 1);

    // Collections: a read is fresh while the sweep sees the snapshot it was read at.
    let uri = "spotify:playlist:p1";
    assert!(!store.collection("c1", uri).await.unwrap().fresh());
    store
        .saw_snapshots("c1", &[(uri.to_owned(), "s1".to_owned())])
        .await
        .unwrap();
    store
        .put_collection_read("c1", uri, Some("s1"), "[[\"t1\",null]]", 9_000)
        .await
        .unwrap();
    let state = store.collection("c1", uri).await.unwrap();
    assert!(state.fresh());
    assert_eq!(state.items.as_deref(), Some("[[\"t1\",null]]"));
    store
        .saw_snapshots("c1", &[(uri.to_owned(), "s2".to_owned())])
        .await
        .unwrap();
    assert!(!store.collection("c1", uri).await.unwrap().fresh());
    // A read whose snapshot is unknown is never fresh.
    store
        .put_collection_read("c1", uri, None, "[]", 9_500)
        .await
        .unwrap();
    let state = store.collection("c1", uri).await.unwrap();
    assert!(!state.fresh());
    assert_eq!(state.seen_snapshot.as_deref(), Some("s2"));

    // URIs in use by a user's sync jobs.
    let job = SyncJob {
        id: "j1".into(),
        owner_id: ana.clone(),
        source_uri: "spotify:playlist:p1".into(),
        target_uri: "spotify:user:sp-ana:collection".into(),
        schedule: "0 * * * *".into(),
        timezone: "UTC".into(),
        paused: false,
        paused_reason: None,
        next_run_at_ms: None,
        ledger: Default::default(),
        ledger_version: 0,
        created_at_ms: 1,
    };
    store.create_sync_job(&job).await.unwrap();
    assert_eq!(
        store.spotify_uris_in_use(&ana).await.unwrap(),
        vec!["spotify:playlist:p1", "spotify:user:sp-ana:collection"]
    );
    assert!(store.spotify_uris_in_use(&ben).await.unwrap().is_empty());
}
