//! The command line: flags as kubectl users expect them, one subcommand per
//! job. Parsing only; the work is in `commands`.

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  # Write the manifests of a state into its output folder
  kubectl wizard render -f wizard-state.yaml

  # Print them instead, and apply with kubectl
  kubectl wizard render -f wizard-state.yaml -o yaml | kubectl apply -f -

  # Check a state without writing anything
  kubectl wizard validate -f wizard-state.yaml

  # Answer questions instead of writing a state by hand
  kubectl wizard init";

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-wizard",
    bin_name = "kubectl wizard",
    version,
    about = "Turn a wizard state into correct Kubernetes manifests: render them, diff them against the cluster, apply them.",
    after_help = EXAMPLES,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags with kubectl's names and meanings; accepted before or after the
/// subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Namespace of every generated object (overrides the state's `namespace`)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Name of the kubeconfig context to use
    #[arg(long, global = true, value_name = "CONTEXT")]
    pub context: Option<String>,
    /// Path to the kubeconfig file to use
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// How long to wait for a single server request (e.g. 10s, 1m; 0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the manifests of a state as files, or print them
    #[command(after_help = "\
Examples:
  # One file per object in the state's output_dir (k8s/ by default)
  kubectl wizard render -f wizard-state.yaml

  # Into another folder, replacing files that differ
  kubectl wizard render -f wizard-state.yaml --output-dir deploy/ --force

  # As one YAML stream on stdout, for a pipe
  kubectl wizard render -f wizard-state.yaml -o yaml | kubectl apply -f -")]
    Render(RenderArgs),
    /// Check a state and report every problem, writing nothing
    #[command(after_help = "\
Examples:
  # Report errors and warnings; exit status 2 when there is an error
  kubectl wizard validate -f wizard-state.yaml

  # Treat warnings (unknown keys, fields without effect) as errors
  kubectl wizard validate -f wizard-state.yaml --strict")]
    Validate(StateArgs),
    /// Ask for a state step by step on the terminal and save it as a state file
    #[command(after_help = "\
Examples:
  # Answer the questions; the state is saved as wizard-state.yaml
  kubectl wizard init

  # Save it elsewhere, with shop as the suggested namespace
  kubectl wizard init -o shop-state.yaml -n shop

  # Then write the manifests it describes
  kubectl wizard render -f shop-state.yaml

  # render, diff and apply without -f ask the same questions first
  kubectl wizard render")]
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// File to save the state in; an existing file is replaced only after you confirm
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "wizard-state.yaml"
    )]
    pub output: String,
}

/// Where the state comes from and how strictly it is read.
#[derive(Debug, Clone, Default, Args)]
pub struct StateArgs {
    /// The state file (YAML or JSON); `-` reads standard input. Without it, on a terminal, render, diff and apply ask for the state step by step
    #[arg(short = 'f', long = "filename", value_name = "STATE")]
    pub filename: Option<String>,
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Folder to write into (overrides the state's `output_dir`)
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<String>,
    /// Overwrite files whose content differs
    #[arg(long)]
    pub force: bool,
    /// Print the objects to standard output instead of writing files
    #[arg(short = 'o', long, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}
