//! A typed async client of Medley's live shows, for Rust programs and bots: the REST side
//! (create, edit, start, end, list and read shows) and the WebSocket of `docs/LIVE.md`.
//!
//! - [`Api`]: the server at a base URL, as the user of a Bearer token (an access token from
//!   `POST /v1/sessions`, or an API token).
//! - [`Live`]: a joined show. It says `hello`, hands over the whole state
//!   ([`Update::Welcome`]) and then every event ([`Update::Event`]), reliable ones exactly once
//!   and in `seq` order even across drops: a dropped connection is resumed by session and
//!   `seq` (within the server's 120 s window nothing is missed; after it a fresh
//!   [`Update::Welcome`] replaces the state). Ops go through [`Live::request`] or a
//!   [`LiveSender`] and come back as the server's answer ([`Ack`] or [`OpError::Refused`] with
//!   its error code and message). It answers the server's pings, samples the server's clock
//!   with `ping` ([`Live::clock_offset`], for synced playback), and notices a silent server.
//!
//! The protocol's types are `medley-live`'s, re-exported as [`protocol`]: ops ([`protocol::Op`]),
//! events ([`protocol::Event`], [`protocol::EventKind`]), the welcome, roles, error and close
//! codes.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use medley_live_client::protocol::{EventKind, Op};
//! use medley_live_client::{Api, LiveOptions, NewShow, Update};
//!
//! let api = Api::new("http://127.0.0.1:8080", "<token>")?;
//! let show = api.create_show(&NewShow::titled("Office radio")).await?;
//! api.start_show(&show.id).await?;
//! let mut live = api.join(&show.id, LiveOptions::default()).await?;
//! live.request(Op::Comment { text: "Welcome, everyone".into() }).await?;
//! while let Some(update) = live.next().await {
//!     match update {
//!         Update::Event(e) => match e.kind {
//!             EventKind::Comment(c) => println!("{}: {}", c.user, c.text),
//!             EventKind::HandRaised { user } => {
//!                 live.request(Op::HandAccept { user }).await?;
//!             }
//!             _ => {}
//!         },
//!         Update::Closed(why) => println!("{why}"),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod clock;
mod error;
mod inbound;
mod live;
mod rest;

pub use medley_live as protocol;

pub use clock::ClockOffset;
pub use error::{Closed, Error, OpError};
pub use live::{Ack, Live, LiveOptions, LiveSender, Update};
pub use rest::{
    Api, NewShow, Page, PlaylistRef, Show, ShowEdit, ShowState, User, UserRef, Visibility,
};
