//! Server-wide settings: absent until set, then replaced in place.

use medley_store::{SettingsStore, SqlStore};

on_both_backends!(a_setting_is_absent_until_set_then_replaced);

async fn a_setting_is_absent_until_set_then_replaced(store: SqlStore) {
    assert_eq!(store.setting("registration").await.unwrap(), None);
    store
        .set_setting("registration", "closed", 10)
        .await
        .unwrap();
    assert_eq!(
        store.setting("registration").await.unwrap().as_deref(),
        Some("closed")
    );
    store.set_setting("registration", "open", 20).await.unwrap();
    assert_eq!(
        store.setting("registration").await.unwrap().as_deref(),
        Some("open")
    );
    assert_eq!(store.setting("something else").await.unwrap(), None);
}
