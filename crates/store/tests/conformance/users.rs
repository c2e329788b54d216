//! Users, their tokens, and who follows whom.

use medley_domain::UserId;
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

    // API tokens: listed by id to their owner only, last use recorded, revoked by id.
    let api = |hash: &str, label: &str, user: &str| NewToken {
        token_hash: hash.into(),
        user_id: user.into(),
        kind: "api".into(),
        label: Some(label.into()),
        now_ms: 20,
        expires_at_ms: None,
    };
    let script = store
        .insert_token(api("a1", "script", &ana.id))
        .await
        .unwrap();
    let backup = store
        .insert_token(NewToken {
            now_ms: 21,
            ..api("a2", "backup", &ana.id)
        })
        .await
        .unwrap();
    let bobs = store
        .insert_token(api("b1", "bob's", &bob.id))
        .await
        .unwrap();
    assert_ne!(script, backup);
    let listed = store.tokens_of(&ana.id, "api").await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|t| t.label.as_deref().unwrap())
            .collect::<Vec<_>>(),
        ["script", "backup"]
    );
    assert_eq!(listed[0].last_used_at_ms, None);
    store.touch_token("a1", 100_000).await.unwrap();
    store.touch_token("a1", 100_000 + 30_000).await.unwrap();
    let used = |list: Vec<medley_store::ApiToken>| list[0].last_used_at_ms;
    assert_eq!(
        used(store.tokens_of(&ana.id, "api").await.unwrap()),
        Some(100_000),
        "uses within a minute of the last record are not written"
    );
    store.touch_token("a1", 100_000 + 61_000).await.unwrap();
    assert_eq!(
        used(store.tokens_of(&ana.id, "api").await.unwrap()),
        Some(161_000)
    );
    assert!(
        !store
            .revoke_token_by_id(&ana.id, "api", &bobs)
            .await
            .unwrap(),
        "another user's token is not revoked"
    );
    assert!(store.user_for_token("b1", 50).await.unwrap().is_some());
    assert!(store
        .revoke_token_by_id(&ana.id, "api", &script)
        .await
        .unwrap());
    assert!(store.user_for_token("a1", 50).await.unwrap().is_none());
    assert_eq!(store.tokens_of(&ana.id, "api").await.unwrap().len(), 1);

    // Administration: disable and enable an account, grant and take back the admin role.
    assert_eq!(store.disabled_at(&bob.id).await.unwrap(), None);
    assert!(store.set_disabled(&bob.id, Some(500)).await.unwrap());
    assert_eq!(store.disabled_at(&bob.id).await.unwrap(), Some(500));
    let states = store.users_with_state().await.unwrap();
    assert_eq!(
        states
            .iter()
            .map(|(u, at)| (u.username.as_str(), *at))
            .collect::<Vec<_>>(),
        [("ana", None), ("bob", Some(500))]
    );
    assert!(store.set_disabled(&bob.id, None).await.unwrap());
    assert_eq!(store.disabled_at(&bob.id).await.unwrap(), None);
    assert!(store.set_admin(&bob.id, true).await.unwrap());
    assert!(store.user(&bob.id).await.unwrap().unwrap().is_admin);
    assert!(store.set_admin(&bob.id, false).await.unwrap());
    assert!(!store.user(&bob.id).await.unwrap().unwrap().is_admin);
    assert!(!store
        .set_admin(&UserId::from("nobody"), true)
        .await
        .unwrap());
    assert!(!store
        .set_disabled(&UserId::from("nobody"), Some(1))
        .await
        .unwrap());

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
            .follow_users(&bob.id, &[ana.id.clone(), UserId::new()], 7)
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
