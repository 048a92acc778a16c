//! Compression modules Qri loaded under `compress/`: `gzip`.

pub mod gzip;
