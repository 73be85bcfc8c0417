//! The SEN Evidence Vault server: HTTP API, storage adapters and the binaries that serve them.

pub mod analyse;
pub mod api;
pub mod auth;
pub mod blobs;
pub mod builder;
pub mod clock;
pub mod dynamo;
pub mod exporter;
pub mod extraction;
pub mod lambda;
pub mod late_uploads;
pub mod local;
pub mod pages;
pub mod panics;
pub mod problem;
pub mod scanner;
pub mod service;
pub mod setup;
