//! Integration tests: each starts its own emulator on a free loopback port and talks to it
//! with reqwest, as Medley would.

mod accounts;
mod conformance;
mod demo;
mod faults;
mod library;
mod limits;
mod playlists;
mod support;
