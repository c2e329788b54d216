//! Domain events and the bus that carries them between Medley's components.
//!
//! Components publish what happened (a playlist's items changed, tracks entered the catalog)
//! and other components react (composite playlists, stats, live shows, the search index)
//! instead of polling the database. The bus is in-process ([`Bus`]); a deployment with several
//! nodes links the buses through NATS ([`nats::link`]) so every node sees every event, and
//! [`Bus::subscribe_remote`] gives a node what the others published.
//!
//! Delivery is at-most-once per subscriber: a subscriber that falls more than
//! [`Bus::CAPACITY`] events behind is told how many it missed (`Lagged`) and must resynchronise
//! from storage. Consumers that need every event (durable jobs) read their input from the
//! database and use events only as a wake-up.
#![forbid(unsafe_code)]

mod bus;
mod event;
pub mod nats;

pub use bus::{Bus, Remote, RemoteSubscription, Subscription};
pub use event::{Event, ItemsChange};
