//! The HTTP API, tested through a real server on a loopback port (one binary, many modules,
//! each test with its own database).

mod accounts;
mod admin_users;
mod audio_harness;
mod audio_scans;
mod audio_streams;
mod audio_uploads;
mod browser;
mod catalog;
mod cdp;
mod composites;
mod events;
mod harness;
mod history;
mod items;
mod library;
mod openapi;
mod ops;
mod playlists;
mod postgres;
mod probe;
mod propagation;
mod python;
mod shows;
mod spotify;
mod spotify_faults;
mod spotify_sign_in;
mod spotify_sync;
mod spotipy;
mod stats;
mod subsonic;
mod sync_jobs;
mod tokens;
mod web;
