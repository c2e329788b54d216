//! Server-wide settings: whether anyone may register. The server's configuration may fix it
//! (`MEDLEY_REGISTRATION`); when it does not, an administrator opens or closes registration
//! in the app, and every node reads the stored choice (open until someone closes it).

use medley_domain::user::User;

use crate::clock::now_ms;
use crate::error::{admin_only, AppError, AppResult};
use crate::App;

/// The stored setting's name.
const REGISTRATION: &str = "registration";

/// Whether anyone may register, and who decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration {
    pub open: bool,
    /// Fixed by the server's configuration: administrators cannot change it in the app.
    pub fixed: bool,
}

/// Whether anyone may register now (the first user always may: see
/// [`crate::accounts::registration_open`]).
pub async fn registration(app: &App) -> AppResult<Registration> {
    if let Some(open) = app.config.registration {
        return Ok(Registration { open, fixed: true });
    }
    let open = match app.store.setting(REGISTRATION).await?.as_deref() {
        None | Some("open") => true,
        Some("closed") => false,
        Some(other) => {
            return Err(AppError::internal(
                anyhow::anyhow!("the stored value `{other}` is neither `open` nor `closed`"),
                "reading whether registration is open",
            ))
        }
    };
    Ok(Registration { open, fixed: false })
}

/// The settings as an administrator reads them.
pub async fn for_admin(app: &App, actor: &User) -> AppResult<Registration> {
    admin_only(
        actor,
        "only an administrator may read the server's settings",
    )?;
    registration(app).await
}

/// An administrator opens or closes registration; refused when the server's configuration
/// fixes it (the message says where to change it).
pub async fn set_registration(app: &App, actor: &User, open: bool) -> AppResult<Registration> {
    admin_only(
        actor,
        "only an administrator may open or close registration",
    )?;
    if app.config.registration.is_some() {
        return Err(AppError::Conflict(
            "registration is fixed by this server's configuration (MEDLEY_REGISTRATION): \
             change it there, or remove it to decide here"
                .into(),
        ));
    }
    let value = if open { "open" } else { "closed" };
    app.store.set_setting(REGISTRATION, value, now_ms()).await?;
    tracing::info!(by = %actor.username, registration = value, "registration changed");
    Ok(Registration { open, fixed: false })
}
