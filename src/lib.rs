//! kubectl-wizard: a wizard state → validated model → Kubernetes manifests,
//! with file output, diff and apply at the edges.

pub mod allocator;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod complete;
pub mod diag;
pub mod error;
pub mod files;
pub mod images;
pub mod interactive;
pub mod krm;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod sanitize;
pub mod state;
pub mod substitute;
pub mod yaml;
