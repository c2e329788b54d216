//! Deleting an account: found through the schema itself, every column that references a user
//! holds nothing of the deleted one afterwards; another user's rows are all still there; the
//! last administrator is refused inside the transaction, which then changes nothing.

use medley_domain::{new_id, PlaylistId, ShowId, SyncJobId, TrackId, UserId};
use medley_store::playlists::ItemsEdit;
use medley_store::shows::NewShow;
use medley_store::testing::TestDb;
use medley_store::{
    AccountDeletionStore, Backend, JobStore, LibraryStore, NewPlaylist, NewToken, PlaylistStore,
    ShowStore, SqlStore, StoreError, SubsonicKey, SubsonicStore, SyncJob, UserStore,
};
use sqlx::AnyPool;

use crate::{new_user, seed_tracks};

#[tokio::test]
async fn sqlite_deleting_a_user_leaves_nothing_of_them_and_everything_of_others() {
    deleting_a_user_leaves_nothing_of_them_and_everything_of_others(TestDb::sqlite()).await;
}

#[tokio::test]
async fn postgres_deleting_a_user_leaves_nothing_of_them_and_everything_of_others() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!(
            "skipped: {} is not set",
            medley_store::testing::POSTGRES_ENV
        );
        return;
    };
    deleting_a_user_leaves_nothing_of_them_and_everything_of_others(db).await;
}

/// Every (table, column) with a foreign key to `users`, read from the database's catalog.
async fn user_references(pool: &AnyPool, backend: Backend) -> Vec<(String, String)> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT m.name, p.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) p \
             WHERE m.type = 'table' AND p.\"table\" = 'users' ORDER BY 1, 2"
        }
        Backend::Postgres => {
            "SELECT kcu.table_name::text, kcu.column_name::text \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             JOIN information_schema.constraint_column_usage ccu \
               ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND ccu.table_name = 'users' ORDER BY 1, 2"
        }
    };
    sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// How many rows of each referencing column name `user_id`.
async fn rows_of(pool: &AnyPool, refs: &[(String, String)], user_id: &str) -> Vec<i64> {
    let mut counts = Vec::new();
    for (table, column) in refs {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"))
                .bind(user_id)
                .fetch_one(pool)
                .await
                .unwrap();
        counts.push(n);
    }
    counts
}

/// Gives `user` one of most things a user has; their playlist's id.
async fn belongings(store: &SqlStore, user: &UserId, tracks: &[TrackId]) -> PlaylistId {
    store
        .insert_token(NewToken {
            token_hash: new_id(),
            user_id: user.clone(),
            kind: "api".into(),
            label: None,
            now_ms: 1,
            expires_at_ms: None,
        })
        .await
        .unwrap();
    let playlist = PlaylistId::new();
    store
        .create_playlist(NewPlaylist {
            id: playlist.clone(),
            owner_id: user.clone(),
            name: "Mine".into(),
            description: None,
            public: true,
            collaborative: false,
            now_ms: 1,
        })
        .await
        .unwrap();
    let add = ItemsEdit::Add {
        track_ids: tracks.to_vec(),
        position: None,
    };
    store
        .edit_items(&playlist, user, None, add, 10_000, 2)
        .await
        .unwrap();
    store.save_tracks(user, &tracks[..1], 3).await.unwrap();
    let key = SubsonicKey {
        id: new_id(),
        user_id: user.clone(),
        name: "phone".into(),
        created_at_ms: 1,
        last_used_at_ms: None,
    };
    store.insert_subsonic_key(&key, &new_id()).await.unwrap();
    let show = store
        .create_show(NewShow {
            id: ShowId::new(),
            creator_id: user.clone(),
            title: "Show".into(),
            description: None,
            playlist_id: Some(playlist.clone()),
            visibility: medley_store::ShowVisibility::Invite,
            scheduled_for_ms: None,
            now_ms: 1,
        })
        .await
        .unwrap();
    store
        .add_show_invite(&show.id, &new_id(), user, 1)
        .await
        .unwrap();
    store
        .create_sync_job(&SyncJob {
            id: SyncJobId::new(),
            owner_id: user.clone(),
            source_uri: format!("medley:playlist:{playlist}"),
            target_uri: format!("medley:playlist:{playlist}"),
            schedule: "0 9 * * MON".into(),
            timezone: "UTC".into(),
            paused: false,
            paused_reason: None,
            next_run_at_ms: None,
            ledger: Default::default(),
            ledger_version: 0,
            created_at_ms: 1,
        })
        .await
        .unwrap();
    playlist
}

async fn deleting_a_user_leaves_nothing_of_them_and_everything_of_others(db: TestDb) {
    let store = db.connect().await.unwrap();
    let pool = AnyPool::connect(&db.url).await.unwrap();
    let refs = user_references(&pool, store.backend()).await;
    for expected in [
        "tokens",
        "playlists",
        "listeners",
        "live_shows",
        "spotify_connections",
    ] {
        assert!(
            refs.iter().any(|(t, _)| t == expected),
            "{expected} references users: {refs:?}"
        );
    }
    let ana = store.create_user(new_user("ana")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    let carl = store.create_user(new_user("carl")).await.unwrap();
    let tracks = seed_tracks(&store, 3).await;
    belongings(&store, &ana.id, &tracks).await;
    let bobs = belongings(&store, &bob.id, &tracks).await;
    belongings(&store, &carl.id, &tracks).await;
    // Ana and Bob know each other; Carl knows nobody.
    store
        .follow_users(&ana.id, std::slice::from_ref(&bob.id), 1)
        .await
        .unwrap();
    store
        .follow_users(&bob.id, std::slice::from_ref(&ana.id), 1)
        .await
        .unwrap();
    store.follow_playlist(&bobs, &ana.id, 1).await.unwrap();
    let bob_before = rows_of(&pool, &refs, &bob.id).await;
    let carl_before = rows_of(&pool, &refs, &carl.id).await;
    assert!(
        bob_before.iter().filter(|n| **n > 0).count() >= 8,
        "{refs:?} {bob_before:?}"
    );

    // The only administrator: refused, and the transaction changed nothing.
    match store.delete_user(&ana.id, 5).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("only administrator"), "{msg}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(store.user(&ana.id).await.unwrap().is_some());
    match store.delete_user(&UserId::from("nobody"), 5).await {
        Err(StoreError::NotFound) => {}
        other => panic!("expected not found, got {other:?}"),
    }
    assert_eq!(rows_of(&pool, &refs, &bob.id).await, bob_before);

    let epoch = store.auth_epoch().await.unwrap();
    let (gone, deleted) = store.delete_user(&bob.id, 5).await.unwrap();
    assert_eq!(gone.username, "bob");
    assert_eq!(deleted.playlists, std::slice::from_ref(&bobs));
    assert!(
        store.auth_epoch().await.unwrap() > epoch,
        "token caches are told"
    );
    let bob_after = rows_of(&pool, &refs, &bob.id).await;
    assert!(
        bob_after.iter().all(|n| *n == 0),
        "left of bob: {:?}",
        refs.iter()
            .zip(&bob_after)
            .filter(|(_, n)| **n > 0)
            .collect::<Vec<_>>()
    );
    assert_eq!(rows_of(&pool, &refs, &carl.id).await, carl_before);
    assert!(store.playlist(&bobs).await.unwrap().is_none());
    assert!(
        !store
            .follows_users(&ana.id, std::slice::from_ref(&bob.id))
            .await
            .unwrap()[0]
    );
    assert_eq!(store.follower_count(&ana.id).await.unwrap(), 0);
    assert!(store.user_by_username("bob").await.unwrap().is_none());
    store.create_user(new_user("bob")).await.unwrap();
}
