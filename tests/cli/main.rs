//! The `quarry` command line, run as a real child process against real
//! stores, files, HTTP servers on loopback and the scheduler. One test binary
//! for all suites: each links the whole program, so one link instead of seven.

mod common;

mod cells;
mod engine;
mod import;
mod limits_data;
mod limits_engine;
mod polish;
mod qri;
mod scheduler;
mod security;
mod store;
mod transforms;
