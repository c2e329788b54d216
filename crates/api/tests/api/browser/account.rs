//! Deleting one's account on the account page: a dialog that takes the focus asks for the
//! password, a wrong one is answered in words and deletes nothing, Cancel gives the focus
//! back; with the right one the account and its playlists are gone and the user lands on the
//! sign-in page, signed out. An account without a password (made by signing in with Spotify)
//! is asked for its username instead. An administrator deletes another account on the admin
//! page once its username is typed out.

use medley_domain::UserId;
use reqwest::StatusCode;
use serde_json::json;

use super::{chromium, looks_right, open_signed_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_deletes_their_account_from_the_account_page() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("root").await;
    let (ana_id, ana) = app.user("ana").await;
    let mix = app.playlist(&ana, json!({"name": "Ana's mix"})).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &app.base, "ana", "/account").await;
    tab.see("#delete-h", "Delete account").await;

    tab.click("button[aria-haspopup=dialog]").await;
    tab.wait(
        "the dialog open, the password field focused",
        "document.querySelector('#delete-dialog').open && document.activeElement.id === 'delete-confirm'",
    )
    .await;
    tab.see("#delete-dialog label[for=delete-confirm]", "Your password")
        .await;
    looks_right(&tab, "account-delete").await;

    // A wrong password: said in words, in the dialog; nothing is deleted.
    tab.type_into("#delete-confirm", "not-my-password").await;
    tab.click("#delete-dialog button[type=submit]").await;
    tab.see("#delete-dialog .error[role=alert]", "`password` is wrong")
        .await;
    assert_eq!(app.get("/v1/me", Some(&ana)).await.status, StatusCode::OK);

    // Cancel closes it and gives the focus back to the button that opened it.
    tab.click("#delete-dialog button.secondary").await;
    tab.wait(
        "the dialog closed, the focus back on its button",
        "!document.querySelector('#delete-dialog').open && document.activeElement.getAttribute('aria-haspopup') === 'dialog'",
    )
    .await;

    tab.click("button[aria-haspopup=dialog]").await;
    tab.wait(
        "the dialog open again, emptied",
        "document.querySelector('#delete-dialog').open && document.activeElement.value === '' && !document.querySelector('#delete-dialog .error')",
    )
    .await;
    tab.type_into("#delete-confirm", "ana-password").await;
    tab.click("#delete-dialog button[type=submit]").await;
    tab.wait("the sign-in page", "location.pathname === '/sign-in'")
        .await;
    tab.see("#status", "Your account was deleted").await;
    tab.see("h1", "Sign in").await;
    tab.see("nav", "Register").await;
    let session = tab
        .eval("fetch('/v1/web/session').then(r => r.status)")
        .await
        .unwrap();
    assert_eq!(session, json!(401), "the browser is signed out");

    assert_eq!(
        app.get("/v1/me", Some(&ana)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (_, carl) = app.user("carl").await;
    for path in [
        format!("/v1/users/{ana_id}"),
        format!("/v1/playlists/{mix}"),
    ] {
        assert_eq!(
            app.get(&path, Some(&carl)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_deletes_an_account_from_the_admin_page() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("root").await;
    let (_, bob) = app.user("bob").await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &app.base, "root", "/admin").await;
    tab.see("#users", "bob").await;

    tab.click("button[aria-label='Delete bob']").await;
    tab.wait(
        "the dialog open, its field focused",
        "document.querySelector('#admin-delete-dialog').open && document.activeElement.id === 'admin-delete-confirm'",
    )
    .await;
    tab.see("#admin-delete-what", "This deletes bob for good")
        .await;
    looks_right(&tab, "admin-delete").await;
    tab.type_into("#admin-delete-confirm", "bo").await;
    tab.click("#admin-delete-dialog button[type=submit]").await;
    tab.see(
        "#admin-delete-dialog .error[role=alert]",
        "Type bob exactly",
    )
    .await;
    assert_eq!(app.get("/v1/me", Some(&bob)).await.status, StatusCode::OK);

    tab.type_into("#admin-delete-confirm", "bob").await;
    tab.click("#admin-delete-dialog button[type=submit]").await;
    tab.see("#status", "bob was deleted").await;
    tab.see("#users caption", "1 accounts").await;
    assert_eq!(
        app.get("/v1/me", Some(&bob)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_a_password_is_deleted_by_typing_its_username() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("root").await;
    let (ana_id, ana) = app.user("ana").await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &app.base, "ana", "/account").await;
    // Stored as an account made by signing in with Spotify is: no password.
    app.store
        .set_password_hash(
            &UserId::from(ana_id.as_str()),
            medley_app::accounts::NO_PASSWORD,
        )
        .await
        .unwrap();
    tab.send("Page.reload", json!({})).await;
    tab.see("#delete-h", "Delete account").await;

    tab.click("button[aria-haspopup=dialog]").await;
    tab.see(
        "#delete-dialog label[for=delete-confirm]",
        "Type your username, ana, to confirm",
    )
    .await;
    tab.wait(
        "the username field focused",
        "document.activeElement.id === 'delete-confirm' && document.activeElement.type === 'text'",
    )
    .await;
    tab.type_into("#delete-confirm", "anna").await;
    tab.click("#delete-dialog button[type=submit]").await;
    tab.see("#delete-dialog .error[role=alert]", "typed exactly")
        .await;
    assert_eq!(app.get("/v1/me", Some(&ana)).await.status, StatusCode::OK);
    tab.type_into("#delete-confirm", "ana").await;
    tab.click("#delete-dialog button[type=submit]").await;
    tab.wait("the sign-in page", "location.pathname === '/sign-in'")
        .await;
    tab.see("#status", "Your account was deleted").await;
    assert_eq!(
        app.get("/v1/me", Some(&ana)).await.status,
        StatusCode::UNAUTHORIZED
    );
}
