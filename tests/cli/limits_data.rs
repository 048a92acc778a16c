//! Attacks on the data path's limits (tables, csv, json, http bodies)
//! through the real binary, each under a memory ulimit: a clean error and
//! exit 1, never a crash or a commit.

#[allow(unused_imports)]
use crate::common::{text, Env};
