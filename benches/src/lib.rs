//! Benchmarks live here; see the benches issue. This crate keeps the workspace layout stable.
