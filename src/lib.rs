//! flowlens: find data exfiltration in AWS VPC flow logs.
//!
//! The core — [`flow`] (reading) and [`analysis`] (the five questions of an
//! investigation) — is pure Rust that compiles natively and to WebAssembly; the
//! command-line tool (`src/bin/flowlens`) and the web page ([`web`], wasm32 only) are
//! thin edges around it. [`example`] generates the honeypot week used by both.

pub mod analysis;
pub mod charts;
pub mod example;
pub mod export;
pub mod flow;
pub mod geo;
pub mod share;
pub mod time;
#[cfg(target_arch = "wasm32")]
pub mod web;
