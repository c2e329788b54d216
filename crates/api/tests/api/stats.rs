//! Listening statistics through the API, checked against an independent computation: a
//! synthetic export is imported, and every answer is compared with plain iteration over the
//! generated rows (parsed, deduplicated), with chrono-tz for local times. On both backends.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use medley_history::synth::{write_extended, SynthConfig};
use medley_history::{read_file, Item, Play, ReadOptions, RowOutcome};
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

on_both_backends!(
    every_statistic_matches_plain_iteration,
    bad_parameters_and_other_users
);

const TZ: Tz = Tz::Europe__Berlin;

/// A synthetic export and its plays as the oracle sees them: parsed, one per dedup key.
fn export(rows: u64) -> (Vec<u8>, Vec<Play>) {
    let mut bytes = Vec::new();
    write_extended(
        &SynthConfig {
            seed: 7,
            rows,
            start_ms: 1_577_836_800_000, // 2020-01-01
            artists: 60,
            tracks_per_artist: 8,
            ..SynthConfig::default()
        },
        &mut bytes,
    )
    .unwrap();
    let mut plays = Vec::new();
    let mut keys = BTreeSet::new();
    read_file(bytes.as_slice(), &ReadOptions::new(i64::MAX / 4), |row| {
        if let RowOutcome::Parsed { play, .. } = row {
            if keys.insert(play.dedup_key()) {
                plays.push(play);
            }
        }
    })
    .unwrap();
    (bytes, plays)
}

fn counted(p: &Play) -> bool {
    p.ms_played >= 30_000 && matches!(p.item, Item::Track { .. })
}

fn names(p: &Play) -> (String, String) {
    let (artist, title) = p.item.names();
    (
        artist.unwrap_or("").to_owned(),
        title.unwrap_or("").to_owned(),
    )
}

fn local(ms: i64) -> chrono::DateTime<Tz> {
    TZ.timestamp_millis_opt(ms).single().unwrap()
}

async fn ask(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

async fn every_statistic_matches_plain_iteration(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let (bytes, plays) = export(4_000);
    let done = app
        .import(&token, "Streaming_History_Audio_2020.json", bytes)
        .await;
    assert_eq!(done["status"], "done", "{done}");
    let plays: Vec<&Play> = plays.iter().collect();
    let count: Vec<&Play> = plays.iter().copied().filter(|p| counted(p)).collect();
    let tz = "tz=Europe/Berlin";

    // Totals.
    let t = ask(&app, &token, &format!("/v1/me/stats/totals?{tz}")).await;
    assert_eq!(t["plays"], count.len());
    assert_eq!(t["ms"], count.iter().map(|p| p.ms_played).sum::<u64>());
    let tracks: BTreeSet<(String, String)> = count.iter().map(|p| names(p)).collect();
    assert_eq!(t["distinct_tracks"], tracks.len());
    let artists: BTreeSet<String> = count.iter().map(|p| names(p).0.to_lowercase()).collect();
    assert_eq!(t["distinct_artists"], artists.len());

    // Top tracks by plays: the counts in order, and each row's count is its track's.
    let mut per_track: HashMap<(String, String), (u64, u64)> = HashMap::new();
    for p in &count {
        let e = per_track.entry(names(p)).or_default();
        e.0 += 1;
        e.1 += p.ms_played;
    }
    let mut expected: Vec<(u64, u64)> = per_track.values().copied().collect();
    expected.sort_by(|a, b| b.cmp(a));
    let top = ask(&app, &token, "/v1/me/stats/top/tracks?limit=20").await;
    assert_eq!(top["total"], per_track.len());
    let got: Vec<(u64, u64)> = top["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["plays"].as_u64().unwrap(), r["ms"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, expected[..20].to_vec());
    for row in top["items"].as_array().unwrap() {
        let key = (
            row["artists"][0]["name"].as_str().unwrap().to_owned(),
            row["name"].as_str().unwrap().to_owned(),
        );
        assert_eq!(per_track[&key].0, row["plays"].as_u64().unwrap(), "{key:?}");
    }

    // Top artists by time.
    let mut per_artist: HashMap<String, u64> = HashMap::new();
    for p in &count {
        *per_artist.entry(names(p).0).or_default() += p.ms_played;
    }
    let mut by_time: Vec<(u64, String)> =
        per_artist.iter().map(|(a, ms)| (*ms, a.clone())).collect();
    by_time.sort_by(|a, b| b.cmp(a));
    let top = ask(&app, &token, "/v1/me/stats/top/artists?by=time&limit=5").await;
    for (row, (ms, name)) in top["items"].as_array().unwrap().iter().zip(&by_time) {
        assert_eq!(row["ms"].as_u64().unwrap(), *ms);
        assert_eq!(row["name"].as_str().unwrap(), name);
    }

    // Timeline by month and by day, in Berlin time, over one local year.
    let from = TZ
        .with_ymd_and_hms(2020, 3, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    let to = TZ
        .with_ymd_and_hms(2021, 3, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    let in_year: Vec<&Play> = count
        .iter()
        .copied()
        .filter(|p| p.started_at_ms >= from && p.started_at_ms < to)
        .collect();
    let window = format!("{tz}&from=2020-03-01&to=2021-02-28");
    let mut months: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for p in &in_year {
        let d = local(p.started_at_ms).date_naive();
        let e = months
            .entry(format!("{:04}-{:02}-01", d.year(), d.month()))
            .or_default();
        e.0 += 1;
        e.1 += p.ms_played;
    }
    let tl = ask(
        &app,
        &token,
        &format!("/v1/me/stats/timeline?{window}&bucket=month"),
    )
    .await;
    let got: BTreeMap<String, (u64, u64)> = tl["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["plays"].as_u64().unwrap() > 0)
        .map(|p| {
            (
                p["start"].as_str().unwrap().to_owned(),
                (p["plays"].as_u64().unwrap(), p["ms"].as_u64().unwrap()),
            )
        })
        .collect();
    assert_eq!(got, months);
    let days = ask(
        &app,
        &token,
        &format!("/v1/me/stats/timeline?{window}&bucket=day"),
    )
    .await;
    let day_sum: u64 = days["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plays"].as_u64().unwrap())
        .sum();
    assert_eq!(day_sum, in_year.len() as u64);
    let year_totals = ask(&app, &token, &format!("/v1/me/stats/totals?{window}")).await;
    assert_eq!(year_totals["plays"], in_year.len());

    // Heatmap.
    let mut cells = vec![vec![0u64; 24]; 7];
    for p in &count {
        let t = local(p.started_at_ms);
        cells[t.weekday().num_days_from_monday() as usize][t.hour() as usize] += 1;
    }
    let map = ask(&app, &token, &format!("/v1/me/stats/heatmap?{tz}")).await;
    let got: Vec<Vec<u64>> = map["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|c| c["plays"].as_u64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(got, cells);

    // Longest streak of local days.
    let days: BTreeSet<NaiveDate> = count
        .iter()
        .map(|p| local(p.started_at_ms).date_naive())
        .collect();
    let (mut best, mut run, mut prev) = (0u64, 0u64, None::<NaiveDate>);
    for d in &days {
        run = if prev.and_then(|p| p.succ_opt()) == Some(*d) {
            run + 1
        } else {
            1
        };
        best = best.max(run);
        prev = Some(*d);
    }
    let s = ask(&app, &token, &format!("/v1/me/stats/streaks?{tz}")).await;
    assert_eq!(s["longest"]["days"], best);

    // Discoveries per year: first listen of each track.
    let mut first: HashMap<(String, String), i64> = HashMap::new();
    for p in &count {
        let e = first.entry(names(p)).or_insert(p.started_at_ms);
        *e = (*e).min(p.started_at_ms);
    }
    let mut per_year: BTreeMap<i32, u64> = BTreeMap::new();
    for at in first.values() {
        *per_year.entry(local(*at).year()).or_default() += 1;
    }
    let d = ask(
        &app,
        &token,
        &format!("/v1/me/stats/discoveries?{tz}&bucket=year&limit=2"),
    )
    .await;
    let got: BTreeMap<i32, u64> = d["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap()[..4].parse().unwrap(),
                p["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, per_year);

    // Skip rate over every track listen.
    let listens: Vec<&Play> = plays
        .iter()
        .copied()
        .filter(|p| matches!(p.item, Item::Track { .. }))
        .collect();
    let skipped = listens
        .iter()
        .filter(|p| p.skipped == Some(true) || p.reason_end.as_deref() == Some("fwdbtn"))
        .count();
    let sk = ask(&app, &token, "/v1/me/stats/skips").await;
    assert_eq!(sk["overall"]["plays"], listens.len());
    assert_eq!(sk["overall"]["skipped"], skipped);

    // Comparison of two years, and podcasts counted on request.
    let c = ask(
        &app,
        &token,
        &format!("/v1/me/stats/compare?{window}&vs_from=2021-03-01&vs_to=2022-02-28"),
    )
    .await;
    assert_eq!(c["totals"]["plays"], in_year.len());
    let with_podcasts = ask(&app, &token, "/v1/me/stats/totals?podcasts=true&min_ms=0").await;
    assert_eq!(with_podcasts["plays"], plays.len());

    // New plays show up at once (the in-memory history follows the store).
    let tracks = app.tracks(&token, 1).await;
    let r = app
        .post(
            "/v1/me/player/plays",
            Some(&token),
            json!({"track": tracks[0], "ms_played": 100000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let t2 = ask(&app, &token, "/v1/me/stats/totals").await;
    assert_eq!(t2["plays"].as_u64().unwrap(), count.len() as u64 + 1);
    let spotify = ask(&app, &token, "/v1/me/top/tracks?time_range=short_term").await;
    assert_eq!(spotify["total"], 1);
    assert_eq!(spotify["items"][0]["uri"], tracks[0].as_str());
}

async fn bad_parameters_and_other_users(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let (bytes, _) = export(300);
    app.import(&token, "Streaming_History_Audio_2020.json", bytes)
        .await;
    for (path, needle) in [
        (
            "/v1/me/stats/totals?from=2021-01-01&to=2020-01-01",
            "before `to`",
        ),
        ("/v1/me/stats/totals?tz=Mars/Olympus", "IANA"),
        ("/v1/me/stats/top/tracks?limit=-1", "limit"),
        ("/v1/me/stats/top/tracks?by=mood", "plays or time"),
        ("/v1/me/stats/totals?min_ms=-5", "min_ms"),
        ("/v1/me/stats/timeline?bucket=fortnight", "bucket"),
        ("/v1/me/stats/totals?from=yesterday", "RFC 3339"),
        ("/v1/me/top/tracks?time_range=forever", "time_range"),
        ("/v1/me/stats/compare", "vs_from"),
    ] {
        let r = app.get(path, Some(&token)).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, needle);
    }
    // A value outside a parameter's set: the parameter and every accepted value are named.
    for (path, detail) in [
        (
            "/v1/me/stats/top/tracks?by=mood",
            "invalid query parameter `by`: must be plays or time, not `mood`",
        ),
        (
            "/v1/me/stats/timeline?bucket=fortnight",
            "invalid query parameter `bucket`: must be day, week, month or year, not `fortnight`",
        ),
        (
            "/v1/me/stats/discoveries?bucket=hour",
            "invalid query parameter `bucket`: must be day, week, month or year, not `hour`",
        ),
        (
            "/v1/me/stats/discoveries?type=albums",
            "invalid query parameter `type`: must be tracks or artists, not `albums`",
        ),
        (
            "/v1/me/stats/skips?type=genres",
            "invalid query parameter `type`: must be tracks or artists, not `genres`",
        ),
        (
            "/v1/me/stats/compare?vs_from=2021-01-01&vs_to=2021-02-01&type=Artists",
            "invalid query parameter `type`: must be tracks or artists, not `Artists`",
        ),
        (
            "/v1/me/stats/forgotten?type=",
            "invalid query parameter `type`: must be tracks or artists, not ``",
        ),
        (
            "/v1/me/top/tracks?time_range=forever",
            "invalid query parameter `time_range`: must be short_term, medium_term or long_term, \
             not `forever`",
        ),
        (
            "/v1/me/top/genres",
            "`type` must be tracks or artists, not `genres`",
        ),
    ] {
        let r = app.get(path, Some(&token)).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, detail);
        assert_eq!(r.body["detail"], detail, "{path}");
    }
    let r = app.get("/v1/me/stats/top/genres", Some(&token)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body["detail"],
        "no statistics of `genres`: use tracks, artists or albums"
    );
    let (_, other) = app.user("ben").await;
    let t = ask(&app, &other, "/v1/me/stats/totals").await;
    assert_eq!(t["plays"], 0, "one user never sees another's plays");
    let r = app.get("/v1/me/stats/totals", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
