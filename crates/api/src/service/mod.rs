//! The operations handlers call: authorization, validation, storage and events together.
//! Handlers stay thin (parse, call one of these, render); the CLI calls the same functions.

pub mod accounts;
pub mod catalog;
pub mod compositions;
pub mod imports;
pub mod playlists;
pub mod plays;
pub mod spotify;
pub mod stats;
pub mod sync_jobs;
pub mod worker;
