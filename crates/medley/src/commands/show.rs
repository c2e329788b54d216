//! `medley show create|list|start|end|join`: live shows on a running server, through
//! `medley-live-client`, as a user.
//!
//! The commands speak to the server over HTTP and its WebSocket (`--server`, `MEDLEY_SERVER`,
//! by default the configured bind address) as one user: with `--token`/`MEDLEY_TOKEN`, or with
//! `--user NAME`, for which a short-lived token is made in the database (the same one the
//! server uses, through the configuration as for `medley user`) and revoked when the command
//! ends.

mod input;
mod room;

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use medley_app::accounts;
use medley_domain::causes::Causes;
use medley_live_client::protocol::{Close, ErrorCode, Op};
use medley_live_client::{
    Ack, Api, Closed, Error, LiveOptions, LiveSender, NewShow, OpError, ShowState, Update,
    Visibility,
};
use medley_store::Store;

use self::input::Input;
use self::room::{Names, Room};
use super::open_store;
use crate::config::Config;

#[derive(Args)]
pub struct ShowArgs {
    /// The running server's URL (default: http:// and the configured bind address).
    #[arg(long, env = "MEDLEY_SERVER", global = true)]
    server: Option<String>,
    /// Act as this user: a token is made for them and revoked when the command ends.
    #[arg(long, global = true)]
    user: Option<String>,
    /// Act with this access or API token instead of --user.
    #[arg(long, env = "MEDLEY_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    #[command(subcommand)]
    command: ShowCommand,
}

#[derive(Subcommand)]
pub enum ShowCommand {
    /// Create a show (scheduled until it starts); prints its id.
    Create {
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: Option<String>,
        /// The playlist it plays: `medley:playlist:<id>` (or the id).
        #[arg(long)]
        playlist: Option<String>,
        /// `public` (default), `followers` (of the creator) or `invite`.
        #[arg(long)]
        visibility: Option<Visibility>,
        /// When it is planned, RFC 3339 (e.g. 2026-12-05T20:00:00Z).
        #[arg(long)]
        starts_at: Option<String>,
    },
    /// List the shows the user may see.
    List {
        /// `live`, `scheduled` or `ended` (all when left out).
        #[arg(long, value_parser = parse_state)]
        state: Option<ShowState>,
    },
    /// Start a show (its creator): it goes live.
    Start { id: String },
    /// End a show (its creator): everyone in it is told and closed.
    End { id: String },
    /// Join a live show: print the room and each change; read commands from standard input
    /// (type `help`).
    Join { id: String },
}

fn parse_state(s: &str) -> Result<ShowState, String> {
    match s {
        "live" => Ok(ShowState::Live),
        "scheduled" => Ok(ShowState::Scheduled),
        "ended" => Ok(ShowState::Ended),
        other => Err(format!(
            "a state is `live`, `scheduled` or `ended`, not `{other}`"
        )),
    }
}

/// How long a token made for `--user` lives if the command cannot revoke it (killed).
const MINTED_TOKEN_TTL: Duration = Duration::from_secs(12 * 3_600);

/// Exit statuses of `join` other than 0 (the show ended, or the user left) and 1 (errors).
pub const EXIT_REMOVED: i32 = 3;
pub const EXIT_BANNED: i32 = 4;
pub const EXIT_REPLACED: i32 = 5;

/// Runs a `show` command; answers the process's exit status.
pub async fn run(config: &Config, args: ShowArgs) -> anyhow::Result<i32> {
    let server = match &args.server {
        Some(s) => s.clone(),
        None => default_server(config),
    };
    let (token, minted) = match (&args.user, &args.token) {
        (Some(user), _) => {
            let minted = Minted::new(config, user).await?;
            (minted.token.clone(), Some(minted))
        }
        (None, Some(token)) => (token.clone(), None),
        (None, None) => bail!(
            "say who you are: --user NAME (a token is made for them and revoked afterwards), \
             or --token TOKEN (or MEDLEY_TOKEN)"
        ),
    };
    let api = Api::new(&server, &token)?;
    let result = command(&api, args.command).await;
    if let Some(minted) = minted {
        minted.revoke().await;
    }
    result
}

/// `http://` and the bind address, a wildcard address replaced by loopback.
fn default_server(config: &Config) -> String {
    let bind = std::env::var("MEDLEY_BIND").unwrap_or_else(|_| config.bind.clone());
    let bind = if let Some(port) = bind.strip_prefix("0.0.0.0:") {
        format!("127.0.0.1:{port}")
    } else if let Some(port) = bind.strip_prefix("[::]:") {
        format!("[::1]:{port}")
    } else {
        bind
    };
    format!("http://{bind}")
}

/// A token made for `--user`, revoked by [`Minted::revoke`].
struct Minted {
    store: std::sync::Arc<medley_store::SqlStore>,
    token: String,
}

impl Minted {
    async fn new(config: &Config, username: &str) -> anyhow::Result<Minted> {
        let store = open_store(config).await?;
        let db: &dyn Store = store.as_ref();
        let (user, _) = db
            .user_by_username(username)
            .await?
            .ok_or_else(|| anyhow!("no user named `{username}` (see `medley user list`)"))?;
        if db.disabled_at(&user.id).await?.is_some() {
            bail!("the account `{username}` is disabled");
        }
        let token = accounts::issue_token(
            db,
            &user.id,
            "session",
            Some("medley show".into()),
            Some(MINTED_TOKEN_TTL),
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
        Ok(Minted { store, token })
    }

    async fn revoke(self) {
        let db: &dyn Store = self.store.as_ref();
        if let Err(e) = db.revoke_token(&accounts::hash_token(&self.token)).await {
            eprintln!("could not revoke the token made for this command: {e}");
        }
    }
}

async fn command(api: &Api, command: ShowCommand) -> anyhow::Result<i32> {
    match command {
        ShowCommand::Create {
            title,
            description,
            playlist,
            visibility,
            starts_at,
        } => {
            let playlist = playlist.map(|p| {
                if p.starts_with("medley:playlist:") {
                    p
                } else {
                    format!("medley:playlist:{p}")
                }
            });
            let show = api
                .create_show(&NewShow {
                    title,
                    description,
                    playlist,
                    scheduled_for: starts_at,
                    visibility,
                })
                .await
                .context("creating the show")?;
            println!(
                "created show {} \"{}\" ({}, {})",
                show.id,
                show.title,
                show.state.as_str(),
                show.visibility.as_str()
            );
        }
        ShowCommand::List { state } => {
            println!(
                "{:<24} {:<9} {:<9} {:<8} {:<20} TITLE",
                "ID", "STATE", "VISIBLE", "AUDIENCE", "CREATOR"
            );
            let mut offset = 0;
            loop {
                let page = api
                    .list_shows(state, 50, offset)
                    .await
                    .context("listing shows")?;
                for s in &page.items {
                    println!(
                        "{:<24} {:<9} {:<9} {:<8} {:<20} {}",
                        s.id,
                        s.state.as_str(),
                        s.visibility.as_str(),
                        s.audience,
                        s.creator.display_name.as_deref().unwrap_or(&s.creator.id),
                        s.title
                    );
                }
                offset += page.items.len() as u32;
                if page.next.is_none() || page.items.is_empty() {
                    break;
                }
            }
        }
        ShowCommand::Start { id } => {
            let show = api.start_show(&id).await.context("starting the show")?;
            println!(
                "show {} \"{}\" is live: join it with `medley show join {}`",
                show.id, show.title, show.id
            );
        }
        ShowCommand::End { id } => {
            let show = api.end_show(&id).await.context("ending the show")?;
            println!("show {} \"{}\" ended", show.id, show.title);
        }
        ShowCommand::Join { id } => return join(api, &id).await,
    }
    Ok(0)
}

/// Prints lines: plain when standard output is not a terminal, with a little colour when it
/// is.
struct Out {
    tty: bool,
}

impl Out {
    fn line(&self, text: &str) {
        println!("{text}");
    }

    /// Something about the connection or a refusal, not the room.
    fn note(&self, text: &str) {
        if self.tty {
            println!("\x1b[2m{text}\x1b[0m");
        } else {
            println!("{text}");
        }
    }

    fn refusal(&self, text: &str) {
        if self.tty {
            println!("\x1b[31m{text}\x1b[0m");
        } else {
            println!("{text}");
        }
    }
}

/// Looks up the names of `ids` not known yet.
async fn learn<'a>(api: &Api, names: &mut Names, ids: impl IntoIterator<Item = &'a str>) {
    for id in names.missing(ids) {
        match api.user(&id).await {
            Ok(user) => names.insert(&user.id, &user.username),
            Err(e) => {
                tracing::debug!(error = %Causes(&e), %id, "looking a user up");
                names.not_found(&id);
            }
        }
    }
}

/// What a close means to the person, and the exit status.
fn ending(closed: &Closed, leaving: bool) -> (String, i32) {
    match closed.close() {
        Some(Close::ShowEnded) => ("the show ended".into(), 0),
        Some(Close::Normal) if leaving => ("you left the show".into(), 0),
        Some(Close::Normal) => ("the server closed the connection".into(), 0),
        Some(Close::Removed) => (
            "you were removed from the show by a moderator (you may join again)".into(),
            EXIT_REMOVED,
        ),
        Some(Close::Banned) => ("you are banned from this show".into(), EXIT_BANNED),
        Some(Close::Replaced) => (
            "you joined this show from somewhere else; this connection was closed".into(),
            EXIT_REPLACED,
        ),
        Some(Close::AuthFailed) => (
            "authentication failed: the token is unknown, expired or revoked".into(),
            1,
        ),
        Some(Close::NotFound) => (
            "no such live show for you: unknown, not visible to you, or not started".into(),
            1,
        ),
        _ => (format!("the connection to the show ended: {closed}"), 1),
    }
}

fn refusal_words(e: &OpError) -> String {
    match e {
        OpError::Refused(r) => {
            let what = match r.code {
                ErrorCode::BadRequest => "not understood",
                ErrorCode::Unauthorized => "not in the show",
                ErrorCode::Forbidden => "not allowed",
                ErrorCode::NotFound => "not found",
                ErrorCode::RateLimited => "too soon",
                ErrorCode::Conflict => "not now",
            };
            format!("refused ({what}): {}", r.message)
        }
        OpError::Disconnected => {
            "the connection dropped before the server answered: watch the room to see whether it \
             happened"
                .into()
        }
        OpError::Closed => "the connection is closed".into(),
    }
}

/// Standard input's lines, read on a thread of their own: a read that never ends (a terminal
/// or pipe left open) must not hold up the runtime's shutdown, as tokio's blocking stdin would.
fn typed_lines() -> tokio::sync::mpsc::Receiver<String> {
    let (lines, typed) = tokio::sync::mpsc::channel(16);
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.blocking_send(line).is_err() {
                break;
            }
        }
    });
    typed
}

async fn ask(sender: LiveSender, op: Op) -> Result<Ack, OpError> {
    sender.request(op).await
}

/// `join`: the room, its changes, and typed commands, until the show ends or the user leaves.
async fn join(api: &Api, show: &str) -> anyhow::Result<i32> {
    let out = Out {
        tty: std::io::stdout().is_terminal(),
    };
    let mut names = Names::default();
    let me = api.me().await.context("checking the token")?;
    names.insert(&me.id, &me.username);
    let mut live = match api.join(show, LiveOptions::default()).await {
        Ok(live) => live,
        Err(Error::Closed(closed)) => {
            let (message, code) = ending(&closed, false);
            eprintln!("{message}");
            return Ok(code.max(1));
        }
        Err(e) => return Err(e).context("joining the show"),
    };
    let sender = live.sender();
    let mut room: Option<Room> = None;
    let mut stdin = typed_lines();
    let mut reading = true;
    let mut leaving: Option<tokio::time::Instant> = None;
    let mut answers = FuturesUnordered::new();
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        let leave_by =
            leaving.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3_600));
        tokio::select! {
            update = live.next() => {
                let Some(update) = update else { return Ok(0) };
                match update {
                    Update::Welcome(welcome) => {
                        let fresh = Room::new(&welcome);
                        learn(api, &mut names, fresh.ids()).await;
                        if room.is_some() {
                            out.note("the room as it is now (events while away were missed):");
                        }
                        for line in fresh.render(&names) {
                            out.line(&line);
                        }
                        if room.is_none() && out.tty {
                            out.note("type a comment, or `help` for commands");
                        }
                        room = Some(fresh);
                    }
                    Update::Event(event) => {
                        learn(api, &mut names, room::event_ids(&event.kind)).await;
                        if let Some(line) = room.as_mut().and_then(|r| r.apply(&event.kind, &names)) {
                            out.line(&line);
                        }
                    }
                    Update::Unknown(frame) => {
                        out.note(&format!("({} happened: this medley does not know it)", frame["op"].as_str().unwrap_or("something")));
                    }
                    Update::Reconnecting { reason } => {
                        out.note(&format!("connection lost ({reason}); reconnecting"));
                    }
                    Update::Resumed => out.note("reconnected: what happened meanwhile follows"),
                    Update::Closed(closed) => {
                        let (message, code) = ending(&closed, leaving.is_some());
                        out.line(&message);
                        return Ok(code);
                    }
                }
            }
            line = stdin.recv(), if reading && leaving.is_none() => {
                let line = match line {
                    Some(line) => line,
                    // End of input: leave, as `quit` does.
                    None => {
                        reading = false;
                        "quit".to_owned()
                    }
                };
                match input::parse(&line, &names) {
                    Ok(Input::Send(op)) => answers.push(ask(sender.clone(), op)),
                    Ok(Input::Quit) => {
                        leaving = Some(tokio::time::Instant::now() + Duration::from_secs(5));
                        answers.push(ask(sender.clone(), Op::Leave {}));
                    }
                    Ok(Input::Help) => {
                        for line in input::HELP.lines() {
                            out.note(line);
                        }
                        if let Some(room) = &room {
                            out.note(&format!("you are a {}", room.my_role()));
                        }
                    }
                    Ok(Input::Nothing) => {}
                    Err(message) => out.refusal(&message),
                }
            }
            Some(answer) = answers.next(), if !answers.is_empty() => {
                match answer {
                    // The close that ended the connection is told by `Update::Closed`.
                    Ok(_) | Err(OpError::Closed) => {}
                    Err(OpError::Disconnected) if leaving.is_some() => {}
                    Err(e) => out.refusal(&refusal_words(&e)),
                }
            }
            _ = &mut interrupt, if leaving.is_none() => {
                leaving = Some(tokio::time::Instant::now() + Duration::from_secs(5));
                answers.push(ask(sender.clone(), Op::Leave {}));
            }
            () = tokio::time::sleep_until(leave_by), if leaving.is_some() => {
                out.line("you left the show (the server did not confirm in time)");
                return Ok(0);
            }
        }
    }
}
