//! Live shows (LIVE.md): creating, editing, starting and ending them, who may see them
//! (visibility on every read), invite links, and what a show leaves behind (comments,
//! history). The running show is [`live`]: one actor per live show, which owns its
//! `medley_live::Show`.
//!
//! Who may see a show: its creator; anyone when it is `public`; the creator's followers when
//! it is `followers`; guests (users who redeemed one of its invite links) when it is
//! `invite`. A show someone may not see is "not found" to them, on REST and WebSocket alike.

pub mod live;

use medley_domain::id::is_id;
use medley_domain::paging::Page;
use medley_domain::playlist::Playlist;
use medley_domain::text::TextEnum;
use medley_domain::uri::{Kind, Uri};
use medley_domain::user::User;
use medley_domain::{PlaylistId, ShowId};
use medley_store::{
    HistoryEntry, NewShow, ShowChange, ShowComment, ShowState, ShowVisibility, StoredShow,
};

use crate::accounts::{hash_token, new_token};
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// The longest title and description, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;

/// What a show is made with (`POST /v1/shows`).
#[derive(Clone, Debug, Default)]
pub struct ShowInput {
    pub title: String,
    pub description: Option<String>,
    /// `medley:playlist:<id>`, a playlist the creator may see.
    pub playlist: Option<String>,
    pub scheduled_for_ms: Option<i64>,
    /// `public` (default), `followers` or `invite`.
    pub visibility: Option<String>,
}

/// A change of details (`PUT /v1/shows/{id}`): `None` keeps a field, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ShowEdit {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub playlist: Option<Option<String>>,
    pub scheduled_for_ms: Option<Option<i64>>,
    pub visibility: Option<String>,
}

fn visibility(v: &str) -> AppResult<ShowVisibility> {
    ShowVisibility::parse(v).ok_or_else(|| {
        AppError::Invalid(format!(
            "`visibility` must be {} (got `{v}`)",
            ShowVisibility::accepted()
        ))
    })
}

fn check_title(title: &str) -> AppResult<String> {
    if !medley_domain::names::name_is_clean(title) {
        return Err(AppError::Invalid(
            "`title` must not contain control characters (such as NUL, tabs or line breaks)".into(),
        ));
    }
    let t = title.trim();
    let n = t.chars().count();
    if n == 0 || n > MAX_TITLE_CHARS {
        return Err(AppError::Invalid(format!(
            "`title` must be 1 to {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(t.to_owned())
}

fn check_description(d: &str) -> AppResult<()> {
    if !medley_domain::names::text_is_clean(d) {
        return Err(AppError::Invalid(
            "`description` must not contain control characters other than line breaks and tabs"
                .into(),
        ));
    }
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::Invalid(format!(
            "`description` must be at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(())
}

/// The playlist id of `medley:playlist:<id>`, which `user` must be able to see.
async fn playlist_of(app: &App, user: &User, uri: &str) -> AppResult<PlaylistId> {
    let parsed = Uri::parse_kind(uri, Kind::Playlist)?;
    if parsed.namespace != medley_domain::uri::Namespace::Medley {
        return Err(AppError::Invalid(format!(
            "`playlist` must be a Medley playlist, `medley:playlist:<id>` (got `{uri}`)"
        )));
    }
    let id = PlaylistId::from(parsed.id);
    crate::playlists::visible(app, &id, Some(user))
        .await
        .map_err(|_| {
            AppError::Invalid(format!(
                "`playlist`: `{uri}` does not exist or is not visible to you"
            ))
        })?;
    Ok(id)
}

/// Creates a scheduled show of `user`'s.
pub async fn create(app: &App, user: &User, input: ShowInput) -> AppResult<StoredShow> {
    let title = check_title(&input.title)?;
    if let Some(d) = &input.description {
        check_description(d)?;
    }
    let visibility = match &input.visibility {
        Some(v) => visibility(v)?,
        None => ShowVisibility::Public,
    };
    let playlist_id = match &input.playlist {
        Some(uri) => Some(playlist_of(app, user, uri).await?),
        None => None,
    };
    Ok(app
        .store
        .create_show(NewShow {
            id: ShowId::new(),
            creator_id: user.id.clone(),
            title,
            description: input.description,
            playlist_id,
            visibility,
            scheduled_for_ms: input.scheduled_for_ms,
            now_ms: now_ms(),
        })
        .await?)
}

/// Whether `user` may see `show` (see the module's documentation).
pub async fn may_see(app: &App, show: &StoredShow, user: &User) -> AppResult<bool> {
    if show.creator_id == user.id {
        return Ok(true);
    }
    Ok(match show.visibility {
        ShowVisibility::Public => true,
        ShowVisibility::Followers => app
            .store
            .follows_users(&user.id, std::slice::from_ref(&show.creator_id))
            .await?
            .first()
            .copied()
            .unwrap_or(false),
        ShowVisibility::Invite => app.store.is_show_guest(&show.id, &user.id).await?,
    })
}

/// The show, if `user` may see it; "not found" otherwise.
pub async fn visible(app: &App, id: &ShowId, user: &User) -> AppResult<StoredShow> {
    let not_found = || AppError::not_found(&format!("show `{id}`"));
    if !is_id(id) {
        return Err(not_found());
    }
    let show = app.store.show(id).await?.ok_or_else(not_found)?;
    if may_see(app, &show, user).await? {
        Ok(show)
    } else {
        Err(not_found())
    }
}

/// The show, if `user` created it (others who may see it are refused with 403).
pub async fn created(app: &App, id: &ShowId, user: &User, what: &str) -> AppResult<StoredShow> {
    let show = visible(app, id, user).await?;
    if show.creator_id != user.id {
        return Err(AppError::Forbidden(format!(
            "only the show's creator may {what}"
        )));
    }
    Ok(show)
}

/// Changes details, by the creator, before the show ends. The playlist is fixed once the show
/// is live (its tracks were copied into the live show at the start).
pub async fn edit(app: &App, user: &User, id: &ShowId, edit: ShowEdit) -> AppResult<StoredShow> {
    let show = created(app, id, user, "edit it").await?;
    let title = edit.title.as_deref().map(check_title).transpose()?;
    if let Some(Some(d)) = &edit.description {
        check_description(d)?;
    }
    let visibility_change = edit.visibility.as_deref().map(visibility).transpose()?;
    let playlist_id = match &edit.playlist {
        None => None,
        Some(_) if show.state != ShowState::Scheduled => {
            return Err(AppError::Conflict(format!(
                "the show is {}: its playlist can change only before it starts",
                show.state
            )))
        }
        Some(None) => Some(None),
        Some(Some(uri)) => Some(Some(playlist_of(app, user, uri).await?)),
    };
    let change = ShowChange {
        title,
        description: edit.description,
        playlist_id,
        visibility: visibility_change,
        scheduled_for_ms: edit.scheduled_for_ms,
    };
    Ok(app.store.update_show(id, &change, now_ms()).await?)
}

/// The shows `user` may see, in `state` if given (`live`, `scheduled` or `ended`).
pub async fn list(
    app: &App,
    user: &User,
    state: Option<&str>,
    page: Page,
) -> AppResult<(Vec<StoredShow>, i64)> {
    let state = state
        .map(|s| {
            ShowState::parse(s).ok_or_else(|| {
                AppError::Invalid(format!(
                    "`state` must be live, scheduled or ended (got `{s}`)"
                ))
            })
        })
        .transpose()?;
    Ok(app
        .store
        .visible_shows(&user.id, state, page.limit, page.offset)
        .await?)
}

/// Starts a scheduled show (its creator): the playlist's tracks are copied into the live
/// state, and people may join.
pub async fn start(app: &App, user: &User, id: &ShowId) -> AppResult<StoredShow> {
    let show = created(app, id, user, "start it").await?;
    if show.state != ShowState::Scheduled {
        return Err(AppError::Conflict(format!(
            "the show is {} already: a show starts once",
            show.state
        )));
    }
    let initial = live::initial_state(app, &show, now_ms()).await?;
    Ok(app.store.start_show(id, &initial, now_ms()).await?)
}

/// Ends a live show (its creator): everyone connected is told `show.ended` and closed with
/// 4010; what the show recorded is stored before this returns.
pub async fn end(app: &App, user: &User, id: &ShowId) -> AppResult<StoredShow> {
    let show = created(app, id, user, "end it").await?;
    match show.state {
        ShowState::Live => app.shows.end(app, &show).await?,
        ShowState::Scheduled => {
            return Err(AppError::Conflict(
                "the show has not started: start it before ending it".into(),
            ))
        }
        ShowState::Ended => return Err(AppError::Conflict("the show has ended already".into())),
    }
    app.store
        .show(id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("show `{id}`")))
}

/// A new invite link's code for an `invite` show (its creator). Whoever redeems it becomes
/// a guest and may see the show. Only the code's hash is stored.
pub async fn invite(app: &App, user: &User, id: &ShowId) -> AppResult<String> {
    let show = created(app, id, user, "invite people").await?;
    if show.state == ShowState::Ended {
        return Err(AppError::Conflict("the show has ended".into()));
    }
    let code = new_token();
    app.store
        .add_show_invite(id, &hash_token(&code), &user.id, now_ms())
        .await?;
    Ok(code)
}

/// Redeems an invite code: `user` becomes a guest of the show. A wrong code is "not found",
/// as the show is to them.
pub async fn redeem(app: &App, user: &User, id: &ShowId, code: &str) -> AppResult<StoredShow> {
    let not_found = || AppError::not_found(&format!("show `{id}` (with this invite)"));
    if !is_id(id) || code.is_empty() || code.len() > 128 {
        return Err(not_found());
    }
    let redeemed = app
        .store
        .redeem_show_invite(id, &hash_token(code), &user.id, now_ms())
        .await?;
    if !redeemed {
        return Err(not_found());
    }
    visible(app, id, user).await
}

/// A show's comments (not deleted), oldest first.
pub async fn comments(
    app: &App,
    user: &User,
    id: &ShowId,
    page: Page,
) -> AppResult<(Vec<ShowComment>, i64)> {
    visible(app, id, user).await?;
    Ok(app.store.show_comments(id, page.limit, page.offset).await?)
}

/// A show's history, in order: what played, role changes, who spoke, moderation.
pub async fn history(
    app: &App,
    user: &User,
    id: &ShowId,
    page: Page,
) -> AppResult<(Vec<HistoryEntry>, i64)> {
    visible(app, id, user).await?;
    Ok(app.store.show_history(id, page.limit, page.offset).await?)
}

/// How many are in the show now (0 when it is not live). With several nodes, a node that
/// neither runs the show nor relays it to listeners of its own answers what the show's owner
/// last recorded, at most a second old.
pub async fn audience(app: &App, id: &ShowId) -> AppResult<usize> {
    if let Some(count) = app.shows.audience(id) {
        return Ok(count);
    }
    if !app.shows.is_clustered() {
        return Ok(0);
    }
    let recorded = app.store.show_audience(id, crate::clock::now_ms()).await?;
    Ok(recorded.map_or(0, |n| usize::try_from(n).unwrap_or(0)))
}

/// Who made a show (none if their account is gone) and the playlist it plays (none if it has
/// none, or the playlist is gone), for describing the show.
pub async fn creator_and_playlist(
    app: &App,
    show: &StoredShow,
) -> AppResult<(Option<User>, Option<Playlist>)> {
    let creator = app.store.user(&show.creator_id).await?;
    let playlist = match &show.playlist_id {
        Some(id) => app.store.playlist(id).await?,
        None => None,
    };
    Ok((creator, playlist))
}
