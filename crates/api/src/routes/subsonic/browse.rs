//! Browsing: `getIndexes` and `getMusicDirectory` (folders: artist, then album), `getArtists`,
//! `getArtist`, `getAlbum`, `getSong` (ID3 tags), `getGenres`.

use std::collections::BTreeMap;

use medley_app::subsonic::browse::not_found;
use medley_app::subsonic::library::sort_key;
use medley_app::subsonic::Library;
use serde_json::{json, Value};

use super::model::{value, View};
use super::response::{Failure, Reply};
use super::Call;

/// Articles left out when artists are sorted into letters.
const IGNORED_ARTICLES: &str = "The El La Los Las Le Les";

/// Only Medley's one folder (id 1) exists.
fn check_folder(c: &Call) -> Result<(), Failure> {
    match c.params.get("musicFolderId").filter(|f| !f.is_empty()) {
        None | Some("1") => Ok(()),
        Some(other) => Err(Failure::new(
            70,
            format!("there is no music folder `{other}`: Medley has one, with id 1"),
        )),
    }
}

/// The letter an artist is filed under: the first of its name without a leading article.
fn letter(name: &str) -> String {
    let mut rest = name.trim();
    for article in IGNORED_ARTICLES.split(' ') {
        if let Some(after) = rest.strip_prefix(article).and_then(|r| r.strip_prefix(' ')) {
            rest = after.trim_start();
            break;
        }
    }
    let key = sort_key(rest);
    match key.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => c.to_ascii_uppercase().to_string(),
        _ => "#".into(),
    }
}

/// Artists by letter, in name order within each.
fn by_letter(lib: &Library, mut entry: impl FnMut(&str) -> Value) -> Vec<Value> {
    let mut letters: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for id in &lib.artist_order {
        let artist = &lib.artists[id];
        letters
            .entry(letter(&artist.name))
            .or_default()
            .push(entry(id));
    }
    letters
        .into_iter()
        .map(|(name, artist)| json!({"name": name, "artist": artist}))
        .collect()
}

pub async fn indexes(c: &Call) -> Result<Reply, Failure> {
    check_folder(c)?;
    let (lib, marks) = c.library().await?;
    let since = c.params.int("ifModifiedSince", 0)?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let index = if since > 0 && lib.last_modified_ms <= since {
        vec![]
    } else {
        by_letter(&lib, |id| {
            let a = view.artist(&lib.artists[id], false);
            json!({"id": a.id, "name": a.name, "starred": a.starred, "albumCount": a.album_count, "coverArt": a.cover_art})
        })
    };
    Ok(Reply::Body(
        "indexes",
        json!({
            "lastModified": lib.last_modified_ms,
            "ignoredArticles": IGNORED_ARTICLES,
            "index": index,
        }),
    ))
}

pub async fn directory(c: &Call) -> Result<Reply, Failure> {
    let id = c.params.required("id")?;
    let (lib, marks) = c.library().await?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    if let Some(artist) = lib.artist(id) {
        let children: Vec<_> = artist
            .albums
            .iter()
            .map(|a| view.album_dir(&lib.albums[a]))
            .collect();
        return Ok(Reply::Body(
            "directory",
            json!({
                "id": artist.id, "name": artist.name, "parent": "1",
                "starred": marks.starred.get(&artist.id).map(|ms| medley_app::clock::timestamp(*ms)),
                "child": value(children),
            }),
        ));
    }
    if let Some(album) = lib.album(id) {
        return Ok(Reply::Body(
            "directory",
            json!({
                "id": album.id, "name": album.name, "parent": album.artist.id,
                "starred": marks.starred.get(&album.id).map(|ms| medley_app::clock::timestamp(*ms)),
                "playCount": marks.play_count(&album.id),
                "child": value(view.songs(&album.songs)),
            }),
        ));
    }
    Err(not_found("directory", id).into())
}

pub async fn artists(c: &Call) -> Result<Reply, Failure> {
    check_folder(c)?;
    let (lib, marks) = c.library().await?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let index = by_letter(&lib, |id| value(view.artist(&lib.artists[id], false)));
    Ok(Reply::Body(
        "artists",
        json!({"ignoredArticles": IGNORED_ARTICLES, "index": index}),
    ))
}

pub async fn artist(c: &Call) -> Result<Reply, Failure> {
    let id = c.params.required("id")?;
    let (lib, marks) = c.library().await?;
    let artist = lib.artist(id).ok_or_else(|| not_found("artist", id))?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    Ok(Reply::Body("artist", value(view.artist(artist, true))))
}

pub async fn album(c: &Call) -> Result<Reply, Failure> {
    let id = c.params.required("id")?;
    let (lib, marks) = c.library().await?;
    let album = lib.album(id).ok_or_else(|| not_found("album", id))?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    Ok(Reply::Body("album", value(view.album(album, true))))
}

pub async fn song(c: &Call) -> Result<Reply, Failure> {
    let id = c.params.required("id")?;
    let (lib, marks) = c.library().await?;
    let song = lib.song(id).ok_or_else(|| not_found("song", id))?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    Ok(Reply::Body("song", value(view.song(song))))
}

pub async fn genres(c: &Call) -> Result<Reply, Failure> {
    let lib = medley_app::subsonic::library::current(&c.state.app).await?;
    let genre: Vec<Value> = lib
        .genres
        .iter()
        .map(|g| json!({"songCount": g.songs, "albumCount": g.albums, "value": g.name}))
        .collect();
    Ok(Reply::Body("genres", json!({ "genre": genre })))
}

#[cfg(test)]
mod tests {
    use super::letter;

    #[test]
    fn artists_are_filed_without_their_article() {
        assert_eq!(letter("The Beatles"), "B");
        assert_eq!(letter("Los Lobos"), "L");
        assert_eq!(letter("Theodore"), "T");
        assert_eq!(letter("Éric Serra"), "E");
        assert_eq!(letter("2Pac"), "#");
    }
}
