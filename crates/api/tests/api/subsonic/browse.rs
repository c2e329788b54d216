//! Browsing through `/rest`: folders and indexes, ID3 artists, albums and songs, genres, every
//! album list type, random songs, search (an empty query pages through everything), in JSON
//! and in XML; unknown ids are error 70, missing ones 10.

use medley_store::Backend;
use serde_json::Value;

use super::{elements, failed, ok, texts, Sub};
use crate::on_both_backends;

on_both_backends!(
    folders_artists_albums_and_songs_browse_the_library,
    album_lists_random_songs_and_search_cover_the_library,
);

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v[field].as_str().unwrap().to_owned())
        .collect()
}

async fn folders_artists_albums_and_songs_browse_the_library(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let r = s.json("getMusicFolders", &[]).await;
    ok(&r);
    assert_eq!(r["musicFolders"]["musicFolder"][0]["id"], 1);

    // Indexes file artists by letter, leaving out "The".
    let r = s.json("getIndexes", &[]).await;
    ok(&r);
    let index = r["indexes"]["index"].as_array().unwrap();
    assert_eq!(names(&r["indexes"]["index"], "name"), ["P", "S"]);
    assert_eq!(index[1]["artist"][0]["name"], "The Sines");
    assert!(r["indexes"]["lastModified"].as_i64().unwrap() > 0);
    let since = r["indexes"]["lastModified"].as_i64().unwrap().to_string();
    let r = s.json("getIndexes", &[("ifModifiedSince", &since)]).await;
    assert!(r["indexes"]["index"].as_array().unwrap().is_empty(), "{r}");
    failed(&s.json("getIndexes", &[("musicFolderId", "7")]).await, 70);

    // Artists (ID3), then an artist's albums, then an album's songs in track order.
    let r = s.json("getArtists", &[]).await;
    ok(&r);
    let sines = &r["artists"]["index"][1]["artist"][0];
    assert_eq!(sines["name"], "The Sines");
    assert_eq!(sines["albumCount"], 1);
    let artist_id = sines["id"].as_str().unwrap().to_owned();
    let r = s.json("getArtist", &[("id", &artist_id)]).await;
    ok(&r);
    assert_eq!(names(&r["artist"]["album"], "name"), ["Waves"]);
    let album = &r["artist"]["album"][0];
    assert_eq!(album["year"], 2003);
    assert_eq!(album["songCount"], 2);
    assert_eq!(album["genre"], "Ambient");
    let album_id = album["id"].as_str().unwrap().to_owned();
    let r = s.json("getAlbum", &[("id", &album_id)]).await;
    ok(&r);
    let songs = &r["album"]["song"];
    assert_eq!(names(songs, "title"), ["Hum", "Drone"]);
    let hum = &songs[0];
    assert_eq!(hum["track"], 1);
    assert_eq!(hum["album"], "Waves");
    assert_eq!(hum["artist"], "The Sines");
    assert_eq!(hum["albumId"], album_id.as_str());
    assert_eq!(hum["duration"], 2, "1.5 s rounds to 2: {hum}");
    assert_eq!(hum["suffix"], "wav");
    assert_eq!(hum["contentType"], "audio/wav");
    assert_eq!(hum["isDir"], false);
    assert_eq!(hum["type"], "music");
    assert_eq!(hum["genres"][0]["name"], "Ambient");
    assert!(hum["size"].as_i64().unwrap() > 100_000, "{hum}");
    assert_eq!(r["album"]["duration"], 3, "2.7 s of songs: {}", r["album"]);
    let hum_id = hum["id"].as_str().unwrap().to_owned();
    let r = s.json("getSong", &[("id", &hum_id)]).await;
    ok(&r);
    assert_eq!(r["song"]["title"], "Hum");

    // The same album in XML: attributes and repeated elements.
    let xml = s.xml("getAlbum", &[("id", &album_id)]).await;
    assert_eq!(elements(&xml, "album")[0]["name"], "Waves");
    let titles: Vec<String> = elements(&xml, "song")
        .iter()
        .map(|s| s["title"].clone())
        .collect();
    assert_eq!(titles, ["Hum", "Drone"]);
    assert_eq!(elements(&xml, "song")[0]["duration"], "2");

    // Folders: an artist holds albums, an album holds songs.
    let r = s.json("getMusicDirectory", &[("id", &artist_id)]).await;
    ok(&r);
    assert_eq!(r["directory"]["child"][0]["isDir"], true);
    assert_eq!(r["directory"]["child"][0]["title"], "Waves");
    let r = s.json("getMusicDirectory", &[("id", &album_id)]).await;
    assert_eq!(names(&r["directory"]["child"], "title"), ["Hum", "Drone"]);

    // Genres count songs and albums; in XML the name is the element's text.
    let r = s.json("getGenres", &[]).await;
    ok(&r);
    let genres = r["genres"]["genre"].as_array().unwrap();
    assert_eq!(genres.len(), 2, "{r}");
    assert_eq!(genres[0]["value"], "Ambient");
    assert_eq!(genres[0]["songCount"], 2);
    assert_eq!(genres[0]["albumCount"], 1);
    let xml = s.xml("getGenres", &[]).await;
    assert_eq!(texts(&xml, "genre"), ["Ambient", "Techno"]);
    assert_eq!(elements(&xml, "genre")[1]["songCount"], "1");

    // Unknown and missing ids.
    for method in ["getArtist", "getAlbum", "getSong", "getMusicDirectory"] {
        failed(
            &s.json(method, &[("id", "0000000000000000000000")]).await,
            70,
        );
        failed(&s.json(method, &[]).await, 10);
    }
    // An unknown method says so.
    failed(&s.json("getPodcasts", &[]).await, 70);
}

async fn album_lists_random_songs_and_search_cover_the_library(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let list = |kind: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let s = &s;
        async move {
            let r = s
                .json("getAlbumList2", &[&[("type", kind)], extra].concat())
                .await;
            ok(&r);
            names(&r["albumList2"]["album"], "name")
        }
    };
    assert_eq!(list("alphabeticalByName", &[]).await, ["Beats", "Waves"]);
    assert_eq!(list("alphabeticalByArtist", &[]).await, ["Beats", "Waves"]);
    let mut random = list("random", &[]).await;
    random.sort();
    assert_eq!(random, ["Beats", "Waves"]);
    assert_eq!(list("newest", &[]).await.len(), 2);
    assert_eq!(
        list("byYear", &[("fromYear", "2000"), ("toYear", "2005")]).await,
        ["Waves"]
    );
    assert_eq!(
        list("byYear", &[("fromYear", "2020"), ("toYear", "2000")]).await,
        ["Beats", "Waves"],
        "from > to lists newest first"
    );
    assert_eq!(list("byGenre", &[("genre", "Techno")]).await, ["Beats"]);
    assert_eq!(
        list("alphabeticalByName", &[("size", "1"), ("offset", "1")]).await,
        ["Waves"]
    );
    // Nothing starred, rated or played yet.
    for kind in ["starred", "highest", "frequent", "recent"] {
        assert!(list(kind, &[]).await.is_empty(), "{kind}");
    }
    failed(&s.json("getAlbumList2", &[("type", "byYear")]).await, 10);
    failed(&s.json("getAlbumList2", &[("type", "byGenre")]).await, 10);
    failed(&s.json("getAlbumList2", &[]).await, 10);
    failed(&s.json("getAlbumList2", &[("type", "loudest")]).await, 0);
    failed(
        &s.json("getAlbumList2", &[("type", "newest"), ("size", "-1")])
            .await,
        0,
    );
    failed(
        &s.json("getAlbumList2", &[("type", "newest"), ("size", "ten")])
            .await,
        0,
    );

    // Random songs, all of them, or of a genre.
    let r = s.json("getRandomSongs", &[("size", "10")]).await;
    ok(&r);
    let mut all = names(&r["randomSongs"]["song"], "title");
    all.sort();
    assert_eq!(all, ["Drone", "Hum", "Kick"]);
    let r = s.json("getRandomSongs", &[("genre", "Ambient")]).await;
    let mut ambient = names(&r["randomSongs"]["song"], "title");
    ambient.sort();
    assert_eq!(ambient, ["Drone", "Hum"]);
    let r = s.json("getRandomSongs", &[("fromYear", "2005")]).await;
    assert_eq!(names(&r["randomSongs"]["song"], "title"), ["Kick"]);

    // search3: words start words of names; an empty query (or `""`) pages through all.
    let r = s.json("search3", &[("query", "sin")]).await;
    ok(&r);
    assert_eq!(names(&r["searchResult3"]["artist"], "name"), ["The Sines"]);
    assert_eq!(names(&r["searchResult3"]["album"], "name"), ["Waves"]);
    assert_eq!(
        names(&r["searchResult3"]["song"], "title"),
        ["Hum", "Drone"]
    );
    let r = s.json("search3", &[("query", "KICK")]).await;
    assert_eq!(names(&r["searchResult3"]["song"], "title"), ["Kick"]);
    assert!(r["searchResult3"]["artist"].as_array().unwrap().is_empty());
    let r = s.json("search3", &[("query", "nothing like it")]).await;
    assert!(r["searchResult3"]["song"].as_array().unwrap().is_empty());
    let mut paged = Vec::new();
    for offset in 0..4 {
        let offset = offset.to_string();
        let r = s
            .json(
                "search3",
                &[
                    ("query", "\"\""),
                    ("songCount", "1"),
                    ("songOffset", &offset),
                    ("artistCount", "0"),
                    ("albumCount", "0"),
                ],
            )
            .await;
        ok(&r);
        assert!(r["searchResult3"]["artist"].as_array().unwrap().is_empty());
        paged.extend(names(&r["searchResult3"]["song"], "title"));
    }
    assert_eq!(paged, ["Kick", "Hum", "Drone"], "by artist, album, track");
    let r = s.json("search3", &[("query", "")]).await;
    assert_eq!(
        names(&r["searchResult3"]["artist"], "name"),
        ["Pulse", "The Sines"]
    );
    let xml = s.xml("search3", &[("query", "")]).await;
    assert_eq!(elements(&xml, "song").len(), 3);
    assert_eq!(elements(&xml, "artist").len(), 2);
}
