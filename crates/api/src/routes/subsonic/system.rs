//! `ping`, `getLicense`, `getOpenSubsonicExtensions` (asked before signing in), `getUser`,
//! `tokenInfo` and `getMusicFolders` (Medley's library is one folder).

use serde::Serialize;
use serde_json::json;

use super::model::value;
use super::response::{Failure, Reply};
use super::Call;

/// The OpenSubsonic extensions Medley supports, with their versions.
pub fn extensions() -> Reply {
    Reply::Body(
        "openSubsonicExtensions",
        json!([
            {"name": "apiKeyAuthentication", "versions": [1]},
            {"name": "formPost", "versions": [1]},
            {"name": "transcodeOffset", "versions": [1]},
        ]),
    )
}

pub fn license(_: &Call) -> Reply {
    // Medley is free software: the license is always valid.
    Reply::Body("license", json!({"valid": true}))
}

pub fn token_info(c: &Call) -> Reply {
    Reply::Body("tokenInfo", json!({"username": c.user.username}))
}

pub fn music_folders() -> Reply {
    Reply::Body(
        "musicFolders",
        json!({"musicFolder": [{"id": 1, "name": "Music"}]}),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserObject {
    username: String,
    scrobbling_enabled: bool,
    admin_role: bool,
    settings_role: bool,
    download_role: bool,
    upload_role: bool,
    playlist_role: bool,
    cover_art_role: bool,
    comment_role: bool,
    podcast_role: bool,
    stream_role: bool,
    jukebox_role: bool,
    share_role: bool,
    video_conversion_role: bool,
    folder: Vec<i64>,
}

/// The signed-in user, or (for administrators) another one.
pub async fn user(c: &Call) -> Result<Reply, Failure> {
    let name = c.params.required("username")?;
    let user = medley_app::subsonic::auth::user_details(&c.state.app, &c.user, name).await?;
    let may_upload = medley_app::library::uploads::may_upload(&c.state.app, &user).is_ok();
    Ok(Reply::Body(
        "user",
        value(UserObject {
            username: user.username,
            scrobbling_enabled: true,
            admin_role: user.is_admin,
            settings_role: true,
            download_role: true,
            upload_role: may_upload,
            playlist_role: true,
            cover_art_role: false,
            comment_role: false,
            podcast_role: false,
            stream_role: true,
            jukebox_role: false,
            share_role: false,
            video_conversion_role: false,
            folder: vec![1],
        }),
    ))
}
