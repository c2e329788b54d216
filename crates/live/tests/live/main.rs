//! The show's rules through the public API, as the actor will drive them: one test binary.

mod authorization;
mod fixture;
mod invariants;
mod mirror;
mod rules;
