//! Encoding modules Qri loaded under `encoding/`: `base64` and `yaml`
//! (`json` and `csv` live in their own files).

pub mod base64;
pub mod yaml;
