//! Signing in with Spotify: `POST /v1/sessions/spotify` starts an authorization (PKCE, as
//! linking an account does) bound to the browser that asked, through a secret only that
//! browser holds (a cookie); Spotify sends the browser back to the same callback as linking;
//! the Medley account linked to that Spotify account signs in, or one is made for it (its
//! name and picture from the Spotify profile, a unique username derived from the name), and
//! its Spotify connection is stored as linking stores it.
//!
//! A sign-in's `state` is single-use and lasts 10 minutes; a disabled account is refused;
//! when registration is closed, only Spotify accounts already linked sign in.

use medley_domain::user::{validate_username, User};
use medley_domain::UserId;
use medley_events::Event;
use medley_store::{Connection, NewUser, PendingSignIn, Store};

use super::{state_hash, upstream, Spotify, AUTHORIZATION_TTL_MS};
use crate::accounts::{hash_token, new_token};
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};

/// Usernames are at most 32 characters; room is kept for a `-NN` suffix.
const BASE_CHARS: usize = 28;

/// A sign-in started: the URL to send the browser to, and the secret the browser keeps (in a
/// cookie) to prove it is the one coming back.
pub struct SignInStart {
    pub authorize_url: String,
    pub browser_secret: String,
}

/// A signed-in user, and whether the account was made just now.
pub struct SignedIn {
    pub user: User,
    pub created: bool,
    pub connection: Connection,
}

/// What the browser brought back to the callback.
pub struct Returned<'a> {
    pub state: &'a str,
    pub code: &'a str,
    /// The secret of its sign-in cookie, if it sent one.
    pub browser_secret: Option<&'a str>,
}

/// What the server allows when a Spotify account signs in.
pub struct SignInRules {
    /// Whether new accounts may be made (`registration_open`, or no user yet).
    pub may_register: bool,
}

impl Spotify {
    /// Starts a sign-in: the authorize URL, and the secret its browser must bring back.
    pub async fn begin_sign_in(&self, store: &dyn Store) -> AppResult<SignInStart> {
        let redirect_uri = self.config.redirect_uri.clone();
        let auth = self.oauth.authorize(&redirect_uri).map_err(upstream)?;
        let hash = state_hash(&auth.state);
        let browser_secret = new_token();
        let pending = PendingSignIn {
            browser_hash: hash_token(&browser_secret),
            sealed_verifier: self.sealer.seal(auth.verifier.as_bytes(), &hash),
            redirect_uri,
        };
        store
            .put_sign_in(&hash, &pending, now_ms() + AUTHORIZATION_TTL_MS)
            .await?;
        Ok(SignInStart {
            authorize_url: auth.url,
            browser_secret,
        })
    }

    /// Takes the sign-in `state` belongs to, if it is one (the callback is shared with
    /// linking). Taken means spent: the same `state` never works twice.
    pub async fn take_sign_in(
        &self,
        store: &dyn Store,
        state: &str,
    ) -> AppResult<Option<PendingSignIn>> {
        Ok(store.take_sign_in(&state_hash(state), now_ms()).await?)
    }

    /// Finishes a sign-in taken with [`Spotify::take_sign_in`]: checks that the browser is the
    /// one that started it, exchanges `code`, and finds or makes the Medley account.
    pub async fn complete_sign_in(
        &self,
        store: &dyn Store,
        bus: &medley_events::Bus,
        pending: &PendingSignIn,
        returned: Returned<'_>,
        rules: &SignInRules,
    ) -> AppResult<SignedIn> {
        let same_browser = returned
            .browser_secret
            .is_some_and(|s| same(hash_token(s).as_bytes(), pending.browser_hash.as_bytes()));
        if !same_browser {
            return Err(AppError::Invalid(
                "this sign-in was started in another browser, or this browser lost its sign-in \
                 cookie: start again with POST /v1/sessions/spotify"
                    .into(),
            ));
        }
        let hash = state_hash(returned.state);
        let verifier = self.open_verifier(&pending.sealed_verifier, &hash)?;
        let identified = self
            .identify(store, returned.code, &verifier, &pending.redirect_uri)
            .await?;
        let me = &identified.me;
        let (user, created) = match store.spotify_login(&me.id).await? {
            Some(id) => (linked_user(store, &id).await?, false),
            None => match store
                .adopt_spotify_login(&me.id, now_ms())
                .await?
                .as_slice()
            {
                // Someone linked this Spotify account to their Medley account: theirs.
                [id] => (linked_user(store, id).await?, false),
                [] => sign_up(store, bus, me, rules).await?,
                several => {
                    return Err(AppError::Conflict(format!(
                        "this Spotify account is connected to {} Medley accounts, so signing in \
                         with it cannot tell which one is yours: sign in with your password, or \
                         ask the others to disconnect it",
                        several.len()
                    )))
                }
            },
        };
        if store.disabled_at(&user.id).await?.is_some() {
            return Err(AppError::Forbidden(format!(
                "the Medley account `{}` that this Spotify account signs in to is disabled: \
                 ask an administrator of this server",
                user.username
            )));
        }
        let connection = self.store_connection(store, &user.id, &identified).await?;
        tracing::info!(user = %user.id, created, "signed in with Spotify");
        Ok(SignedIn {
            user,
            created,
            connection,
        })
    }
}

/// Compares two hashes in constant time.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn linked_user(store: &dyn Store, id: &UserId) -> AppResult<User> {
    store.user(id).await?.ok_or_else(|| {
        AppError::internal(
            anyhow::anyhow!("a Spotify sign-in names the missing user {id}"),
            "signing in with Spotify",
        )
    })
}

/// Makes the account of a Spotify user signing in for the first time (or finds it, if a
/// sign-in of the same account made it meanwhile).
async fn sign_up(
    store: &dyn Store,
    bus: &medley_events::Bus,
    me: &medley_spotify::objects::User,
    rules: &SignInRules,
) -> AppResult<(User, bool)> {
    if !rules.may_register {
        return Err(AppError::Forbidden(
            "this Spotify account is not linked to a Medley account, and registration is \
             closed on this server: ask an administrator for an account, sign in, and link \
             Spotify with POST /v1/connections/spotify"
                .into(),
        ));
    }
    let display_name = me
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| me.id.clone());
    let image = me.images.first().map(|i| i.url.as_str());
    for username in usernames(me.display_name.as_deref(), &me.id).take(50) {
        let new = NewUser {
            id: UserId::new(),
            username: username.clone(),
            password_hash: crate::accounts::NO_PASSWORD.into(),
            display_name: Some(display_name.clone()),
            now_ms: now_ms(),
        };
        match store.create_spotify_user(new, image, &me.id).await {
            Ok(user) => {
                bus.publish(Event::UserCreated {
                    user_id: user.id.clone(),
                });
                return Ok((user, true));
            }
            Err(medley_store::StoreError::Conflict(_)) => {
                // Either the name is taken (try the next), or the account was just linked.
                if let Some(id) = store.spotify_login(&me.id).await? {
                    return Ok((linked_user(store, &id).await?, false));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(
        "no free username could be derived from this Spotify profile".into(),
    ))
}

/// Usernames to try for a Spotify profile, best first: the display name made a valid
/// username (lower case; letters and digits kept, runs of anything else one `.`), else the
/// Spotify id; then the same with `-2`, `-3`…
pub fn usernames(display_name: Option<&str>, spotify_id: &str) -> impl Iterator<Item = String> {
    let id_slug = slug(spotify_id);
    let base = [slug(display_name.unwrap_or_default()), id_slug.clone()]
        .into_iter()
        .find(|s| s.len() >= 3)
        .unwrap_or_else(|| {
            if id_slug.is_empty() {
                "spotify.user".to_owned()
            } else {
                format!("spotify.{id_slug}")
            }
        });
    std::iter::once(base.clone())
        .chain((2..).map(move |n| format!("{base}-{n}")))
        .filter(|u| validate_username(u).is_ok())
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('.') {
            out.push('.');
        }
        if out.len() >= BASE_CHARS {
            break;
        }
    }
    out.trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(display: Option<&str>, id: &str) -> Vec<String> {
        usernames(display, id).take(3).collect()
    }

    #[test]
    fn usernames_come_from_the_display_name_then_the_id() {
        assert_eq!(
            first(Some("Alice Liddell"), "alice"),
            ["alice.liddell", "alice.liddell-2", "alice.liddell-3"]
        );
        assert_eq!(first(Some("  DJ  Ö-Zone!! "), "x")[0], "dj.-zone");
        assert_eq!(first(Some("Ωμέγα"), "31abcxyz")[0], "31abcxyz");
        assert_eq!(first(None, "ab")[0], "spotify.ab");
        assert_eq!(first(Some("??"), "!")[0], "spotify.user");
    }

    #[test]
    fn usernames_are_valid_and_short_enough_for_a_suffix() {
        let long = "A".repeat(100);
        for u in usernames(Some(&long), "id").take(120) {
            assert!(validate_username(&u).is_ok(), "{u}");
        }
        assert_eq!(first(Some(&long), "id")[0].len(), BASE_CHARS);
    }
}
