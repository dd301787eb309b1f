//! kubectl-wizard: a wizard state → validated model → Kubernetes manifests,
//! with file output, diff and apply at the edges.

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

/// mimalloc instead of the system allocator: building manifests allocates
/// many small JSON nodes, and it makes a large render about 20% faster.
/// Declared here so the plugin, the completion helper, tests and benches
/// all run with the allocator users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
