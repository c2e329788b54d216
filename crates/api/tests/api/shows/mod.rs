//! Live shows through the real server: REST, and the WebSocket with real clients on real
//! sockets.

mod client;
mod node;
mod resume;
mod room;
