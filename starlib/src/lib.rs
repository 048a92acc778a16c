//! starlib: the versioned Starlark standard library (placeholder until its issue lands).
