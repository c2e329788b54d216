//! Listening history in the browser: my_spotify_data.zip uploaded with a progress bar, the
//! import followed to its report; then the statistics: heatmap, streaks, discoveries, skip
//! rates, forgotten favourites, two periods compared over a custom range, another time zone.

use std::io::Write;

use medley_history::synth::{write_extended, SynthConfig};

use super::{chromium, looks_right};
use crate::cdp::{Browser, Tab};
use crate::harness::TestApp;

fn export_zip() -> Vec<u8> {
    let mut rows = Vec::new();
    write_extended(
        &SynthConfig {
            seed: 11,
            rows: 3_000,
            start_ms: 1_577_836_800_000, // 2020-01-01
            artists: 30,
            tracks_per_artist: 6,
            ..SynthConfig::default()
        },
        &mut rows,
    )
    .unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file(
        "Spotify Extended Streaming History/Streaming_History_Audio_2020.json",
        options,
    )
    .unwrap();
    out.write_all(&rows).unwrap();
    out.start_file(
        "Spotify Extended Streaming History/ReadMeFirst.pdf",
        options,
    )
    .unwrap();
    out.write_all(b"%PDF-1.4").unwrap();
    out.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_imports_their_export_and_reads_their_statistics() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("my_spotify_data.zip");
    std::fs::write(&zip, export_zip()).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser
        .open(&format!("{}/sign-in?next=/import", app.base))
        .await;
    tab.type_into("#username", "ana").await;
    tab.type_into("#password", "ana-password").await;
    tab.click("button[type=submit]").await;
    tab.see("h1", "Import listening history").await;
    tab.see("#past-imports", "No imports yet").await;
    looks_right(&tab, "import").await;

    tab.upload("#export-file", &zip).await;
    tab.click("form button[type=submit]").await;
    tab.wait(
        "the progress bar shown",
        "!document.querySelector('#upload-progress').parentElement.hidden",
    )
    .await;
    tab.see("#import-outcome h2", "Report for my_spotify_data.zip")
        .await;
    tab.wait(
        "the bar full",
        "document.querySelector('#upload-progress').value === 100",
    )
    .await;
    tab.see("#import-outcome", "plays added").await;
    tab.see("#import-outcome", "from 3000 rows in 1 of 2 files")
        .await;
    tab.see("#import-outcome tbody", "Streaming_History_Audio_2020.json")
        .await;
    tab.see("#import-outcome tbody", "ignored").await;
    tab.see("ul[aria-label='Earlier imports']", "my_spotify_data.zip")
        .await;
    looks_right(&tab, "import-report").await;

    tab.click("nav a[href='/stats']").await;
    tab.see("h1", "Statistics").await;
    tab.choose("#window", "All time").await;
    tab.see("#heatmap caption", "Plays by weekday and hour")
        .await;
    tab.wait(
        "a heatmap of 7 days by 24 hours",
        "document.querySelectorAll('#heatmap tbody tr').length === 7 && \
         document.querySelectorAll('#heatmap tbody tr:first-child td').length === 24",
    )
    .await;
    tab.see("#streaks", "longest streak").await;
    tab.see("#discoveries", "new").await;
    tab.see("#skips", "You skipped").await;
    tab.wait(
        "forgotten favourites answered",
        "document.querySelector('#forgotten [aria-busy]') === null && document.querySelector('#forgotten').innerText.length > 25",
    )
    .await;
    looks_right(&tab, "stats-insights").await;

    // Top songs, artists and albums by plays; ranked by listening time instead, all three
    // lists change to the server's order by time.
    ranked_as_the_server_ranks(&app, &ana, &tab, "plays").await;
    tab.choose("#by", "Listening time").await;
    ranked_as_the_server_ranks(&app, &ana, &tab, "time").await;
    // The timeline: one bar per month (the export's plays are in one), the same as a table.
    let timeline = app
        .get("/v1/me/stats/timeline?bucket=month", Some(&ana))
        .await
        .body;
    let months = timeline["points"].as_array().unwrap().len();
    assert!(months >= 1, "{timeline}");
    tab.wait(
        "the timeline chart",
        &format!(
            "document.querySelectorAll('svg.chart rect.bar').length === {months} && \
             document.querySelectorAll('#stats-out details tbody tr').length === {months} && \
             [...document.querySelectorAll('svg.chart rect.bar')].some(r => r.getBoundingClientRect().height > 10)"
        ),
    )
    .await;
    looks_right(&tab, "stats-by-time").await;

    // A custom range: compared with the same number of days before it.
    // The month from the first play on.
    let totals = app.get("/v1/me/stats/totals", Some(&ana)).await.body;
    let first: chrono::DateTime<chrono::Utc> =
        totals["first_played_at"].as_str().unwrap().parse().unwrap();
    let (from, to) = (
        first.date_naive(),
        first.date_naive() + chrono::Duration::days(30),
    );
    tab.choose("#window", "Custom range").await;
    tab.see("#stats-out", "Pick both dates.").await;
    tab.type_date("#from", &from.to_string()).await;
    tab.type_date("#to", &to.to_string()).await;
    tab.wait(
        "the dates typed to be the fields' values",
        &format!(
            "document.querySelector('#from').value === '{from}' && document.querySelector('#to').value === '{to}'"
        ),
    )
    .await;
    tab.see("#compare h2", "Compared with the 31 days before")
        .await;
    tab.see("#compare", "plays this period").await;
    // Another time zone: the hours move with it.
    tab.choose("#zone", "Asia/Tokyo").await;
    tab.see("#heatmap caption", "(Asia/Tokyo)").await;
}

/// Waits until the page's top songs, artists and albums are the server's, in its order, when
/// ranked `by` plays or time; the orders by plays and by time differ for at least one of them
/// (else re-ranking would show nothing).
async fn ranked_as_the_server_ranks(app: &TestApp, token: &str, tab: &Tab<'_>, by: &str) {
    let mut differ = false;
    for (kind, label) in [
        ("tracks", "Top songs"),
        ("artists", "Top artists"),
        ("albums", "Top albums"),
    ] {
        let names = |by: &'static str| async move {
            let body = app
                .get(
                    &format!("/v1/me/stats/top/{kind}?by={by}&limit=10"),
                    Some(token),
                )
                .await
                .body;
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let (plays, time) = (names("plays").await, names("time").await);
        assert_eq!(plays.len(), 10, "{kind}");
        differ |= plays != time;
        let want = serde_json::to_string(if by == "time" { &time } else { &plays }).unwrap();
        tab.wait(
            &format!("{label} ranked by {by}: {want}"),
            &format!(
                "JSON.stringify([...document.querySelectorAll(\"ol[aria-label='{label}'] li\")] \
                 .map(li => li.firstChild.textContent)) === JSON.stringify({want})"
            ),
        )
        .await;
    }
    assert!(
        differ,
        "ranking by time changes no list: the test shows nothing"
    );
}
