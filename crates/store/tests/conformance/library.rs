//! A user's saved tracks.

use medley_store::{LibraryStore, SqlStore, UserStore};

use crate::{new_user, seed_tracks};

on_both_backends!(saved_tracks);

async fn saved_tracks(store: SqlStore) {
    let user = store.create_user(new_user("liker")).await.unwrap();
    let ids = seed_tracks(&store, 4).await;
    assert_eq!(
        store.save_tracks(&user.id, &ids[..2], 5).await.unwrap(),
        ids[..2]
    );
    assert_eq!(
        store.save_tracks(&user.id, &ids[1..3], 6).await.unwrap(),
        ids[2..3],
        "already saved is kept"
    );
    let (page, total) = store.saved_tracks(&user.id, 10, 0).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        page.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(
        store
            .saved_contains(&user.id, &[ids[0].clone(), ids[3].clone()])
            .await
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(
        store
            .unsave_tracks(&user.id, &[ids[0].clone(), ids[3].clone()])
            .await
            .unwrap(),
        vec![ids[0].clone()]
    );
    assert_eq!(store.saved_tracks(&user.id, 10, 0).await.unwrap().1, 2);
}
