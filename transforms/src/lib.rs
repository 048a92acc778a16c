//! transforms: the host that runs transform(ds) (placeholder until its issue lands).
