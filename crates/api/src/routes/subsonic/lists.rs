//! Lists: `getAlbumList2` (every type; `getAlbumList` answers the same albums as folders),
//! `getRandomSongs`, `search3` (an empty query pages through everything), `getStarred2`
//! (and `getStarred`).

use medley_app::subsonic::browse::{
    album_list as list_albums, random_songs as pick_songs, search as find, starred as marked,
    AlbumList, ListError, SearchPages,
};
use serde_json::json;

use super::model::{value, View};
use super::response::{Failure, Reply};
use super::Call;

pub async fn album_list(c: &Call, key: &'static str) -> Result<Reply, Failure> {
    let kind = c.params.required("type")?;
    let list = AlbumList::parse(
        kind,
        c.params.opt_int("fromYear")?,
        c.params.opt_int("toYear")?,
        c.params.get("genre"),
    )
    .map_err(|e| match e {
        ListError::Missing(m) => Failure::new(10, m),
        ListError::Unknown(m) => Failure::invalid(m),
    })?;
    let size = c.params.count("size", 10)?;
    let offset = c.params.count("offset", 0)?;
    let (lib, marks) = c.library().await?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let ids = list_albums(&lib, &marks, &list, size, offset);
    let albums = if key == "albumList" {
        value(
            ids.iter()
                .map(|id| view.album_dir(&lib.albums[id]))
                .collect::<Vec<_>>(),
        )
    } else {
        value(view.albums(&ids))
    };
    Ok(Reply::Body(key, json!({ "album": albums })))
}

pub async fn random_songs(c: &Call) -> Result<Reply, Failure> {
    let size = c.params.count("size", 10)?;
    let (lib, marks) = c.library().await?;
    let ids = pick_songs(
        &lib,
        size,
        c.params.get("genre").filter(|g| !g.is_empty()),
        c.params.opt_int("fromYear")?,
        c.params.opt_int("toYear")?,
    );
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    Ok(Reply::Body(
        "randomSongs",
        json!({ "song": value(view.songs(&ids)) }),
    ))
}

pub async fn search(c: &Call) -> Result<Reply, Failure> {
    let query = c.params.get("query").unwrap_or_default();
    let pages = SearchPages {
        artists: (
            c.params.count("artistCount", 20)?,
            c.params.count("artistOffset", 0)?,
        ),
        albums: (
            c.params.count("albumCount", 20)?,
            c.params.count("albumOffset", 0)?,
        ),
        songs: (
            c.params.count("songCount", 20)?,
            c.params.count("songOffset", 0)?,
        ),
    };
    let (lib, marks) = c.library().await?;
    let found = find(&lib, query, pages);
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    Ok(Reply::Body(
        "searchResult3",
        json!({
            "artist": value(view.artists(&found.artists)),
            "album": value(view.albums(&found.albums)),
            "song": value(view.songs(&found.songs)),
        }),
    ))
}

pub async fn starred(c: &Call, key: &'static str) -> Result<Reply, Failure> {
    let (lib, marks) = c.library().await?;
    let found = marked(&lib, &marks);
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let albums = if key == "starred" {
        value(
            found
                .albums
                .iter()
                .map(|id| view.album_dir(&lib.albums[id]))
                .collect::<Vec<_>>(),
        )
    } else {
        value(view.albums(&found.albums))
    };
    Ok(Reply::Body(
        key,
        json!({
            "artist": value(view.artists(&found.artists)),
            "album": albums,
            "song": value(view.songs(&found.songs)),
        }),
    ))
}
