//! The control API's request and answer types, and [`Control`], a typed client for it.

pub mod client;
pub mod types;

pub use client::Control;
pub use types::*;
