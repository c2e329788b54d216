//! Administration of accounts: the list of users with their state, disabling and enabling an
//! account (a disabled account cannot sign in, and disabling it ends its sessions and API tokens
//! at once), and granting or taking back the administrator role. Administrators only; an
//! administrator cannot disable or demote themselves, so a server always keeps one.

use medley_domain::user::User;
use medley_domain::UserId;

use crate::clock::now_ms;
use crate::error::{admin_only, AppError, AppResult};
use crate::App;

/// A user as an administrator sees them.
pub struct Account {
    pub user: User,
    pub disabled_at_ms: Option<i64>,
}

/// What an administrator changes about an account (absent: unchanged).
#[derive(Default)]
pub struct Change {
    pub disabled: Option<bool>,
    pub is_admin: Option<bool>,
}

pub(crate) fn require_admin(actor: &User) -> AppResult<()> {
    admin_only(actor, "only an administrator may manage accounts")
}

pub async fn accounts(app: &App, actor: &User) -> AppResult<Vec<Account>> {
    require_admin(actor)?;
    Ok(app
        .store
        .users_with_state()
        .await?
        .into_iter()
        .map(|(user, disabled_at_ms)| Account {
            user,
            disabled_at_ms,
        })
        .collect())
}

pub async fn change(app: &App, actor: &User, id: &UserId, change: Change) -> AppResult<Account> {
    require_admin(actor)?;
    if change.disabled.is_none() && change.is_admin.is_none() {
        return Err(AppError::Invalid(
            "say what to change: `disabled` and/or `is_admin`".into(),
        ));
    }
    if *id == actor.id && (change.disabled == Some(true) || change.is_admin == Some(false)) {
        return Err(AppError::Conflict(
            "you cannot disable your own account or take away your own administrator role: \
             ask another administrator"
                .into(),
        ));
    }
    if app.store.user(id).await?.is_none() {
        return Err(AppError::NotFound(format!("there is no user `{id}`")));
    }
    if let Some(admin) = change.is_admin {
        app.store.set_admin(id, admin).await?;
    }
    if let Some(disabled) = change.disabled {
        let already = app.store.disabled_at(id).await?;
        match (disabled, already) {
            (true, None) => {
                app.store.set_disabled(id, Some(now_ms())).await?;
                app.store.revoke_user_tokens(id, None).await?;
            }
            (false, Some(_)) => {
                app.store.set_disabled(id, None).await?;
            }
            _ => {}
        }
    }
    // Cached token → user entries carry the role and must not outlive a change of it.
    app.caches.forget_tokens();
    let user = app
        .store
        .user(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no user `{id}`")))?;
    let disabled_at_ms = app.store.disabled_at(id).await?;
    Ok(Account {
        user,
        disabled_at_ms,
    })
}

/// Whether the database answers: unavailable, saying why, when it does not.
pub async fn check_database(app: &App) -> AppResult<()> {
    app.store
        .user_count()
        .await
        .map_err(|e| AppError::Unavailable(format!("the database does not answer: {e}")))?;
    Ok(())
}
