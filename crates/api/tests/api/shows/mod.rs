//! Live shows through the real server: REST, and the WebSocket with real clients on real
//! sockets.

mod bad_input;
pub mod client;
mod faults;
mod node;
mod rest;
mod resume;
mod room;
mod streams;
mod web;
