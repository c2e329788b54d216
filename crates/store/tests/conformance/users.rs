//! Users, their tokens, and who follows whom.

use medley_domain::new_id;
use medley_store::{NewToken, SqlStore, StoreError, UserStore};

use crate::new_user;

on_both_backends!(users_tokens_and_follows);

async fn users_tokens_and_follows(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    assert!(ana.is_admin, "the first user is an administrator");
    assert!(!bob.is_admin);
    match store.create_user(new_user("ana")).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("ana")),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.user_count().await.unwrap(), 2);
    let (found, hash) = store.user_by_username("bob").await.unwrap().unwrap();
    assert_eq!((found.id.as_str(), hash.as_str()), (bob.id.as_str(), "h"));

    let token = |hash: &str, expires| NewToken {
        token_hash: hash.into(),
        user_id: ana.id.clone(),
        kind: "session".into(),
        label: None,
        now_ms: 10,
        expires_at_ms: expires,
    };
    store.insert_token(token("t1", None)).await.unwrap();
    store.insert_token(token("t2", Some(100))).await.unwrap();
    assert_eq!(
        store.user_for_token("t1", 50).await.unwrap().unwrap().id,
        ana.id
    );
    assert!(store.user_for_token("t2", 50).await.unwrap().is_some());
    assert!(
        store.user_for_token("t2", 100).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.revoke_token("t1").await.unwrap());
    assert!(
        store.user_for_token("t1", 50).await.unwrap().is_none(),
        "revoked"
    );
    store.insert_token(token("t3", None)).await.unwrap();
    store.insert_token(token("t4", None)).await.unwrap();
    assert_eq!(
        store.revoke_user_tokens(&ana.id, Some("t4")).await.unwrap(),
        2
    );
    assert!(store.user_for_token("t4", 50).await.unwrap().is_some());

    store
        .follow_users(&ana.id, std::slice::from_ref(&bob.id), 5)
        .await
        .unwrap();
    store
        .follow_users(&ana.id, std::slice::from_ref(&bob.id), 6)
        .await
        .unwrap();
    assert_eq!(store.follower_count(&bob.id).await.unwrap(), 1);
    assert_eq!(
        store
            .follows_users(&ana.id, &[bob.id.clone(), ana.id.clone()])
            .await
            .unwrap(),
        vec![true, false]
    );
    assert!(matches!(
        store
            .follow_users(&bob.id, &[ana.id.clone(), new_id()], 7)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.follower_count(&ana.id).await.unwrap(),
        0,
        "nothing written for a partly unknown list"
    );
    store
        .unfollow_users(&ana.id, std::slice::from_ref(&bob.id))
        .await
        .unwrap();
    assert_eq!(store.follower_count(&bob.id).await.unwrap(), 0);
}
