//! `star`, `unstar` (a song's star is its like), `setRating`, `scrobble` (plays, or what is
//! playing now) and `getNowPlaying`.

use medley_app::clock::now_ms;
use medley_app::subsonic::annotate as uses;
use serde_json::json;

use super::model::{value, View};
use super::response::{Failure, Reply};
use super::Call;

pub async fn star(c: &Call, star: bool) -> Result<Reply, Failure> {
    let (ids, albums, artists) = (
        c.params.all("id"),
        c.params.all("albumId"),
        c.params.all("artistId"),
    );
    if ids.is_empty() && albums.is_empty() && artists.is_empty() {
        return Err(Failure::new(
            10,
            "required parameter `id`, `albumId` or `artistId` is missing",
        ));
    }
    let lib = medley_app::subsonic::library::current(&c.state.app).await?;
    uses::set_starred(&c.state.app, &c.user, &lib, &ids, &albums, &artists, star).await?;
    Ok(Reply::Empty)
}

pub async fn set_rating(c: &Call) -> Result<Reply, Failure> {
    let id = c.params.required("id")?;
    let rating = c
        .params
        .opt_int("rating")?
        .ok_or_else(|| Failure::missing("rating"))?;
    let lib = medley_app::subsonic::library::current(&c.state.app).await?;
    uses::set_rating(&c.state.app, &c.user, &lib, id, rating).await?;
    Ok(Reply::Empty)
}

pub async fn scrobble(c: &Call) -> Result<Reply, Failure> {
    let ids = c.params.all("id");
    if ids.is_empty() {
        return Err(Failure::missing("id"));
    }
    let times = c
        .params
        .all("time")
        .iter()
        .map(|t| {
            t.trim().parse::<i64>().map_err(|_| {
                Failure::invalid(format!("`time` is in milliseconds since 1970, not `{t}`"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let submission = c.params.bool("submission")?.unwrap_or(true);
    let player = c.params.get("c").unwrap_or_default();
    let lib = medley_app::subsonic::library::current(&c.state.app).await?;
    uses::scrobble(
        &c.state.app,
        &c.user,
        &lib,
        &ids,
        &times,
        submission,
        player,
    )
    .await?;
    Ok(Reply::Empty)
}

pub async fn now_playing(c: &Call) -> Result<Reply, Failure> {
    let now = now_ms();
    let playing = uses::now_playing(&c.state.app, now).await?;
    let (lib, marks) = c.library().await?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let mut entries = Vec::new();
    for p in playing {
        let Some(song) = lib.song(&p.track_id) else {
            continue;
        };
        let mut entry = value(view.song(song));
        if let Some(m) = entry.as_object_mut() {
            m.insert("username".into(), json!(p.username));
            m.insert("minutesAgo".into(), json!((now - p.started_at_ms) / 60_000));
            m.insert("playerId".into(), json!(0));
            m.insert("playerName".into(), json!(p.player));
        }
        entries.push(entry);
    }
    Ok(Reply::Body("nowPlaying", json!({ "entry": entries })))
}
