//! Sync jobs in the browser: the schedule picker shows the next runs in the chosen time zone
//! (and says in words what is wrong with a bad cron), a job is made, run now (its run and
//! counts appear), paused and resumed. And the Spotify page says so when the server has no
//! Spotify app.

use serde_json::json;

use super::{chromium, looks_right};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_schedules_a_sync_job_runs_it_pauses_and_resumes_it() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let uris = app.tracks(&ana, 2).await;
    let inbox = app.playlist(&ana, json!({"name": "Inbox"})).await;
    app.add_items(&ana, &inbox, &uris).await;
    let archive = app.playlist(&ana, json!({"name": "Archive"})).await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser
        .open(&format!("{}/sign-in?next=/sync-jobs", app.base))
        .await;
    tab.type_into("#username", "ana").await;
    tab.type_into("#password", "ana-password").await;
    tab.click("button[type=submit]").await;
    tab.see("h1", "Sync jobs").await;
    tab.see("#jobs", "No sync jobs yet").await;

    // A bad cron is answered in words.
    tab.choose("#often", "Custom (cron)").await;
    tab.type_into("#cron", "61 * * * *").await;
    tab.see("#next-runs [role=alert]", "").await;
    // Every day at 09:00 in Berlin: the next three runs, at 9:00 there.
    tab.choose("#often", "Every day").await;
    tab.choose("#zone", "Europe/Berlin").await;
    tab.see("#next-runs", "Next runs (Europe/Berlin)").await;
    tab.wait(
        "three runs at nine",
        "(() => { const runs = [...document.querySelectorAll('#next-runs li')]; \
          return runs.length === 3 && runs.every(li => /\\b9:00\\b|\\b09:00\\b/.test(li.innerText)); })()",
    )
    .await;
    tab.choose("#job-source", "Inbox").await;
    tab.choose("#job-target", "Archive").await;
    looks_right(&tab, "sync-jobs-new").await;
    tab.click("form button[type=submit]").await;
    tab.see("#jobs", "Inbox → Archive").await;
    tab.see("#jobs", "0 9 * * * (Europe/Berlin)").await;
    let jobs = app.get("/v1/sync-jobs", Some(&ana)).await;
    let job = &jobs.body["items"][0];
    assert_eq!(
        (&job["schedule"], &job["timezone"]),
        (&json!("0 9 * * *"), &json!("Europe/Berlin"))
    );

    // Run now: the run appears with what it copied.
    tab.click("button[aria-label='Run now Inbox to Archive']")
        .await;
    tab.see("#status", "The run copied 2 songs").await;
    tab.see("#jobs tbody", "run now").await;
    tab.see("#jobs tbody td:nth-child(3)", "2").await;
    assert_eq!(app.item_uris(&ana, &archive).await, uris);
    looks_right(&tab, "sync-jobs").await;

    tab.click("button[aria-label='Pause Inbox to Archive']")
        .await;
    tab.see("#jobs", "· paused").await;
    tab.click("button[aria-label='Resume Inbox to Archive']")
        .await;
    tab.see("#jobs", "next run").await;
    assert_eq!(
        app.get("/v1/sync-jobs", Some(&ana)).await.body["items"][0]["paused"],
        false
    );

    // Without a Spotify app configured, the Spotify page says so.
    tab.click("nav a[href='/spotify']").await;
    tab.see("h1", "Spotify").await;
    tab.see("main", "not set up to talk to Spotify").await;
    looks_right(&tab, "spotify-unconfigured").await;
}
