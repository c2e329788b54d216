//! Administration in the browser: accounts (make administrator, disable, enable: a disabled
//! account is signed out and cannot sign in), registration closed and opened again, and a
//! library scan followed to its end; and a scan held in the middle, its progress shown.

use medley_app::library::AudioSettings;
use medley_audio::testing::Written;
use medley_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{chromium, looks_right};
use crate::audio_harness::{AudioApp, S3Gate};
use crate::cdp::{Browser, Tab};
use crate::harness::assert_problem;

/// The administrator signed in, on the administration page.
async fn administration<'a>(browser: &'a Browser, a: &AudioApp) -> Tab<'a> {
    let tab = browser.open(&format!("{}/sign-in", a.base)).await;
    tab.type_into("#username", "admin").await;
    tab.type_into("#password", "admin-password").await;
    tab.click("button[type=submit]").await;
    tab.click("nav a[href='/admin']").await;
    tab.see("h1", "Administration").await;
    tab
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_accounts_and_registration_and_scans_the_library() {
    let Some(chromium) = chromium() else { return };
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    let (bob_id, bob) = a.user("bob").await;
    for (i, title) in ["North", "South", "East"].iter().enumerate() {
        a.put_wav(
            &format!("compass/{title}.wav"),
            800,
            300.0 + i as f64 * 50.0,
            &Written::song(title, "Compass", "Points"),
        );
    }

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = administration(&browser, &a).await;
    tab.see("#users", "admin (you)").await;
    tab.see("#users", "bob").await;
    tab.see("main", "Open: anyone").await;
    looks_right(&tab, "admin").await;

    tab.click("button[aria-label='Make administrator bob']")
        .await;
    tab.see("#status", "bob is an administrator now").await;
    tab.see("button[aria-label='Remove administrator bob']", "Remove")
        .await;
    let me = a.get("/v1/me", Some(&bob)).await;
    assert_eq!(me.body["is_admin"], true, "{}", me.body);

    tab.click("button[aria-label='Disable bob']").await;
    tab.see("#status", "bob is disabled").await;
    tab.see("#users tbody", "disabled").await;
    let r = a.get("/v1/me", Some(&bob)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "signed out: {}", r.body);
    let r = a
        .post(
            "/v1/sessions",
            None,
            json!({"username": "bob", "password": "bob-password"}),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "disabled");
    tab.click("button[aria-label='Enable bob']").await;
    tab.see("#status", "bob may sign in again").await;
    let r = a
        .post(
            "/v1/sessions",
            None,
            json!({"username": "bob", "password": "bob-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Registration closed from the page: nobody new gets in; then open again.
    tab.click("#registration-open").await;
    tab.click("#registration button[type=submit]").await;
    tab.see("#status", "Registration is closed").await;
    tab.see("#registration-state", "Closed").await;
    let newcomer = json!({"username": "cleo", "password": "cleo-password"});
    let r = a.post("/v1/users", None, newcomer.clone()).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "registration is closed");
    tab.click("#registration-open").await;
    tab.click("#registration button[type=submit]").await;
    tab.see("#status", "Registration is open").await;
    tab.see("#registration-state", "Open").await;
    let r = a.post("/v1/users", None, newcomer).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The administrator's own row offers nothing that could lock them out.
    assert_eq!(
        tab.eval("document.querySelectorAll('#users button[aria-label$=\" admin\"]').length")
            .await
            .unwrap(),
        json!(0)
    );
    let r = a
        .call(
            Method::PATCH,
            &format!("/v1/admin/users/{}", a.admin_id),
            Some(&a.admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "your own account");
    // Only administrators manage accounts.
    let (_, carol) = a.user("carol").await;
    let r = a
        .call(
            Method::PATCH,
            &format!("/v1/admin/users/{bob_id}"),
            Some(&carol),
            Some(json!({"is_admin": false})),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "only an administrator");

    // A scan of the music folder, followed to its end.
    tab.type_into("#scan-paths", a.music().to_str().unwrap())
        .await;
    tab.click("form:has(#scan-paths) button[type=submit]").await;
    tab.see("ul[aria-label='Library scans']", "done").await;
    tab.see("ul[aria-label='Library scans']", "3 added").await;
    looks_right(&tab, "admin-scans").await;
}

/// A scan's progress while it runs. Its copies into storage wait at a gate before the S3
/// server, so the scan stays in the middle, half done, for as long as the test looks: the
/// page shows it running with how far it got, then how it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_in_progress_shows_how_far_it_got() {
    let Some(chromium) = chromium() else { return };
    let Some(mut s3) = medley_audio::testing::s3_settings() else {
        return;
    };
    let gate = S3Gate::before(s3.endpoint.as_deref().expect("an S3 endpoint")).await;
    s3.endpoint = Some(gate.endpoint.clone());
    let a = AudioApp::spawn_with(Backend::Sqlite, Some(s3), AudioSettings::default())
        .await
        .unwrap();
    let points = |names: [&str; 3], from: f64| {
        for (i, title) in names.iter().enumerate() {
            a.put_wav(
                &format!("compass/{title}.wav"),
                800,
                from + i as f64 * 50.0,
                &Written::song(title, "Compass", "Points"),
            );
        }
    };
    // Three songs copied into storage by a first scan; three more found later, whose copies
    // wait at the gate.
    points(["North", "South", "East"], 300.0);
    let first = a.scan(&[&a.music()], json!({"copy": true})).await;
    assert_eq!(first["status"], "done", "{first}");
    points(["West", "Up", "Down"], 500.0);
    gate.shut();

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = administration(&browser, &a).await;
    tab.type_into("#scan-paths", a.music().to_str().unwrap())
        .await;
    tab.click("#scan-copy").await;
    tab.click("form:has(#scan-paths) button[type=submit]").await;

    // The three songs already copied are done at once; the three new ones wait.
    let scans = "ul[aria-label='Library scans']";
    tab.see(scans, "running").await;
    tab.see(scans, "50% (3 of 6 files)").await;
    tab.wait(
        "the scan's bar half full",
        "[...document.querySelectorAll(\"ul[aria-label='Library scans'] progress\")] \
         .some((bar) => bar.value === 50)",
    )
    .await;
    looks_right(&tab, "admin-scan-running").await;
    let listed = a.get("/v1/admin/library/scans", Some(&a.admin)).await;
    let running: Vec<&serde_json::Value> = listed
        .body
        .as_array()
        .expect("scans listed")
        .iter()
        .filter(|s| s["status"] == "running")
        .collect();
    assert_eq!(running.len(), 1, "{}", listed.body);
    assert_eq!(running[0]["progress"]["files_done"], 3, "{}", listed.body);

    // Let the copies through: the scan ends, and the page says how.
    gate.open();
    tab.see(scans, "3 unchanged").await;
    tab.wait(
        "no scan running",
        "!document.querySelector(\"ul[aria-label='Library scans']\").innerText.includes('running')",
    )
    .await;
    let id = running[0]["id"].as_str().unwrap();
    let ended = a
        .get(&format!("/v1/admin/library/scans/{id}"), Some(&a.admin))
        .await;
    assert_eq!(ended.body["status"], "done", "{}", ended.body);
    assert_eq!(ended.body["report"]["added"], 3, "{}", ended.body);
    assert_eq!(ended.body["report"]["unchanged"], 3, "{}", ended.body);
}
