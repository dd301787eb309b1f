//! The command line: flags as kubectl users expect them, one subcommand per
//! job. Parsing only; the work is in `commands`.

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

/// Requests `diff` and `apply` keep in flight by default: against the test
/// API server at 5 ms latency, 8 → 16 cuts a 300-object apply by a third;
/// 16 is a third of the seats API Priority and Fairness gives all ordinary
/// users by default (README, *Decisions*).
pub const DEFAULT_CONCURRENCY: u16 = 16;

const EXAMPLES: &str = "\
Examples:
  # Write the manifests of a state into its output folder
  kubectl wizard render -f wizard-state.yaml

  # Print them instead, and apply with kubectl (Secrets are left out: their
  # placeholders would replace live values; kubectl wizard apply keeps them)
  kubectl wizard render -f wizard-state.yaml -o yaml | kubectl apply -f -

  # Check a state without writing anything
  kubectl wizard validate -f wizard-state.yaml

  # See what would change in the cluster, then apply and wait for the rollout
  kubectl wizard diff -f wizard-state.yaml
  kubectl wizard apply -f wizard-state.yaml --wait

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

impl Cli {
    /// The command line `kubectl wizard version`, the one scripts, bug
    /// reports and plugin checks run most, read without clap: clap builds
    /// the whole command tree (every subcommand, the global flags copied
    /// into each) before it looks at a word, which was a third of the time
    /// `version` took. Exactly that one word, the same value clap makes of
    /// it (a unit test holds the two equal); `None` for anything else, which
    /// goes to clap (`version -o json` included).
    pub fn version_alone<I, T>(words: I) -> Option<Cli>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<std::ffi::OsStr>,
    {
        let mut words = words.into_iter();
        let only = words.next()?;
        (only.as_ref() == "version" && words.next().is_none()).then(|| Cli {
            global: GlobalArgs::default(),
            command: Command::Version(VersionArgs::default()),
        })
    }
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
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub kubeconfig: Option<String>,
    /// How long to wait for a single server request (e.g. 10s, 1m; 0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Log level: 6 logs each request (method, URL, status, time) to stderr, 8 also the bodies (Secret values masked)
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "LEVEL",
        default_value_t = 0
    )]
    pub verbosity: u8,
    /// When to colour output: auto (a terminal, unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,
}

/// kubectl's authentication and connection flags; each overrides what the
/// kubeconfig says, as in kubectl.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// Username to impersonate for the operation (a user or a service account)
    #[arg(long = "as", global = true, value_name = "USER")]
    pub impersonate: Option<String>,
    /// Group to impersonate for the operation; repeat for several groups
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub impersonate_groups: Vec<String>,
    /// Bearer token for authentication to the API server (never printed or logged)
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<Secret>,
    /// The name of the kubeconfig user to use
    #[arg(long, global = true, value_name = "USER")]
    pub user: Option<String>,
    /// The name of the kubeconfig cluster to use
    #[arg(long, global = true, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// The address and port of the Kubernetes API server
    #[arg(short = 's', long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// Do not check the server's certificate (insecure)
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
    /// Path to a CA certificate file for the server's certificate
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub certificate_authority: Option<String>,
    /// Path to a client certificate file for TLS
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub client_certificate: Option<String>,
    /// Path to a client key file for TLS
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub client_key: Option<String>,
}

/// A value that must never be shown: `Debug` prints `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
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
  kubectl wizard render -f wizard-state.yaml -o yaml | kubectl apply -f -

Secrets hold only the CHANGE_ME placeholder. So that kubectl never writes it over
a live value, their files go to secrets/ in the output folder, which
kustomization.yaml does not list, and -o leaves them out unless --include-secrets.")]
    Render(RenderArgs),
    /// Check a state and report every problem, writing nothing
    #[command(after_help = "\
Examples:
  # Report errors and warnings; exit status 2 when there is an error
  kubectl wizard validate -f wizard-state.yaml

  # Treat warnings (unknown keys, fields without effect) as errors
  kubectl wizard validate -f wizard-state.yaml --strict")]
    Validate(StateArgs),
    /// Show what apply would change in the cluster (exit status 1 when something would)
    #[command(after_help = "\
Examples:
  # Compare the state with the cluster of the current context
  kubectl wizard diff -f wizard-state.yaml

  # In another namespace and context, with Secret values shown
  kubectl wizard diff -f wizard-state.yaml -n staging --context staging --show-secrets

  # In a script: 0 = in sync, 1 = differences, 2 or more = error
  kubectl wizard diff -f wizard-state.yaml > /dev/null || echo \"out of sync or failed\"")]
    Diff(DiffArgs),
    /// Create or update the objects in the cluster with server-side apply
    #[command(after_help = "\
Examples:
  # Apply in dependency order and wait until the workloads are ready
  kubectl wizard apply -f wizard-state.yaml --wait --timeout 10m

  # Let the server check everything without persisting anything
  kubectl wizard apply -f wizard-state.yaml --dry-run=server

  # Take over fields another manager (kubectl edit, a controller) set
  kubectl wizard apply -f wizard-state.yaml --force-conflicts

Live Secret values are never replaced: a key that exists keeps its value,
only missing keys get the CHANGE_ME placeholder.")]
    Apply(ApplyArgs),
    /// Delete the objects of a state's ApplySet from the cluster, in reverse apply order
    #[command(after_help = "\
Examples:
  # See what would go, then delete it (asks on a terminal)
  kubectl wizard delete -f wizard-state.yaml --dry-run=client
  kubectl wizard delete -f wizard-state.yaml --wait

  # In a script, claims and the namespace too
  kubectl wizard delete -f wizard-state.yaml --yes --include-volumes --include-namespace

PersistentVolumeClaims stay unless --include-volumes: their data would go with them.")]
    Delete(DeleteArgs),
    /// Ask for a state step by step on the terminal and save it as a state file; with -f, edit an existing one
    #[command(
        alias = "edit",
        after_help = "\
Examples:
  # Answer the questions; the state is saved as wizard-state.yaml
  kubectl wizard init

  # Edit a state: every question offers the file's value, the review
  # screen lets you change one service; keys it does not ask about stay
  kubectl wizard init -f shop-state.yaml     # or: kubectl wizard edit -f shop-state.yaml

  # Save it elsewhere, with shop as the suggested namespace
  kubectl wizard init -o shop-state.yaml -n shop

  # Then write the manifests it describes
  kubectl wizard render -f shop-state.yaml

  # render, diff and apply without -f ask the same questions first
  kubectl wizard render"
    )]
    Init(InitArgs),
    /// Print the version of kubectl-wizard
    #[command(after_help = "\
Examples:
  # The version number
  kubectl wizard version

  # Version, git commit, build date and platform as JSON
  kubectl wizard version -o json")]
    Version(VersionArgs),
    /// Print a shell completion script for kubectl-wizard
    #[command(after_help = "\
Examples:
  # bash: load completion for kubectl-wizard in the current shell
  source <(kubectl wizard completion bash)

  # zsh: install it for every new shell
  kubectl wizard completion zsh > \"${fpath[1]}/_kubectl-wizard\"

  # fish
  kubectl wizard completion fish > ~/.config/fish/completions/kubectl-wizard.fish

  # PowerShell
  kubectl wizard completion powershell | Out-String | Invoke-Expression

`kubectl wizard <TAB>` itself is completed by kubectl's own completion (kubectl 1.26 or
later) through the kubectl_complete-wizard executable installed beside the plugin.")]
    Completion(CompletionArgs),
    /// Run as a KRM function (kpt, kustomize): a ResourceList on stdin whose functionConfig is a WizardState
    #[command(after_help = "\
The functionConfig is the state wrapped as an object:

  apiVersion: kubectl-wizard.dev/v1alpha1
  kind: WizardState
  metadata:
    name: shop
  namespace: shop
  _services:
    - {name: web, image: nginx:1.27, port: 80}

The generated objects are added to the items (an item with the same apiVersion,
kind, namespace and name is replaced); every finding becomes a result with the
state path as its field. Secrets are left out, as with render -o.

Examples:
  # With kpt: generate into the package folder deploy/
  kpt fn eval deploy/ --exec \"kubectl-wizard fn\" --fn-config wizard-state-krm.yaml

  # Directly
  kubectl-wizard fn < resource-list.yaml")]
    Fn(FnArgs),
    /// Print the JSON Schema of the state, for editors (completion, hover help, checks as you type)
    #[command(after_help = "\
Examples:
  # Print the schema (JSON Schema draft 2020-12)
  kubectl wizard schema

  # Write it next to your states, for editors without network access
  kubectl wizard schema -o state.schema.json

States written by `kubectl wizard init` start with a `# yaml-language-server: $schema=...`
line; the README shows how VS Code and Neovim use it.")]
    Schema(SchemaArgs),
    /// Describe a field of the state: type, allowed values, default and the Kubernetes fields it becomes
    #[command(after_help = "\
Examples:
  # One field (the leading _ of _services and _infraDecisions may be left out)
  kubectl wizard explain services.volumeClaimTemplates.size

  # The state's top-level fields
  kubectl wizard explain

  # Every field under a service, as a tree
  kubectl wizard explain _services --recursive")]
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write the schema to this file (replaced atomically) instead of printing it
    #[arg(short = 'o', long = "output", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The field, as a path of the state (`_services.volumeClaimTemplates.size`); none for the state itself
    #[arg(value_name = "FIELD")]
    pub field: Option<String>,
    /// List every field under it, as a tree
    #[arg(long)]
    pub recursive: bool,
}

#[derive(Debug, Args)]
pub struct FnArgs {
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// File to save the state in; an existing file is replaced only after you confirm (with -f: that file)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// A state file to edit: its values are the answers' defaults, and it is saved back to it
    #[arg(short = 'f', long = "filename", value_name = "STATE", value_hint = ValueHint::FilePath)]
    pub filename: Option<String>,
}

/// Where the state comes from and how strictly it is read.
#[derive(Debug, Clone, Default, Args)]
pub struct StateArgs {
    /// The state file (YAML or JSON), or a folder of them (*.yaml, *.yml, *.json); repeat for several, merged into one set; `-` reads standard input. Without it, on a terminal, render, diff and apply ask for the state step by step
    #[arg(short = 'f', long = "filename", value_name = "STATE", value_hint = ValueHint::FilePath, value_delimiter = ',')]
    pub filename: Vec<String>,
    /// Read the folders given with -f and the folders inside them
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
    /// Work on this environment of the state (its namespace and overrides) instead of the base
    #[arg(long = "env", value_name = "NAME")]
    pub environment: Option<String>,
}

/// Values from the environment for diff and apply.
#[derive(Debug, Clone, Default, Args)]
pub struct EnvArgs {
    /// Read values for `${NAME}` (and, with --secrets-from-env, Secret keys) from this dotenv file (NAME=VALUE lines); it wins over the process environment; repeat for several, a later file wins
    #[arg(long = "env-file", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub env_file: Vec<String>,
    /// Send a `${NAME}` whose variable is not set as written instead of failing
    #[arg(long)]
    pub allow_unset: bool,
    /// Give each Secret key the value of the environment variable (or --env-file entry) of the same name; the values are never printed
    #[arg(long)]
    pub secrets_from_env: bool,
}

/// Pruning what the state no longer generates.
#[derive(Debug, Clone, Default, Args)]
pub struct PruneArgs {
    /// Delete the objects of the state's ApplySet that the state no longer generates (after everything else is applied)
    #[arg(long)]
    pub prune: bool,
    /// With --prune: PersistentVolumeClaims too (their data goes with them)
    #[arg(long, requires = "prune")]
    pub prune_volumes: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
    /// `server`: the server checks each deletion and persists nothing; `client`: list what would be deleted without deleting
    #[arg(long, value_name = "STRATEGY", default_value = "none")]
    pub dry_run: DryRun,
    /// Wait until the deleted objects are gone
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", default_value = "5m", requires = "wait")]
    pub timeout: String,
    /// Delete PersistentVolumeClaims too (their data goes with them)
    #[arg(long)]
    pub include_volumes: bool,
    /// Delete the namespace too, when the state created it (everything else in it goes with it)
    #[arg(long)]
    pub include_namespace: bool,
    /// Delete objects of the set that another manager applies now, too
    #[arg(long)]
    pub force_conflicts: bool,
    /// How many objects to delete at once
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Name of the manager the state's objects were applied with
    #[arg(long, value_name = "NAME", default_value = crate::cluster::FIELD_MANAGER)]
    pub field_manager: String,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Folder to write into (overrides the state's `output_dir`)
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub output_dir: Option<String>,
    /// Overwrite files whose content differs
    #[arg(long)]
    pub force: bool,
    /// Print the objects to standard output instead of writing files
    #[arg(short = 'o', long, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
    /// With -o: print the Secrets too (placeholder values: applied with kubectl they replace live values)
    #[arg(long, requires = "output")]
    pub include_secrets: bool,
    /// Fill `${NAME}` in variable values from the environment (files rendered for GitOps usually keep them)
    #[arg(long)]
    pub substitute: bool,
    /// Fill `${NAME}` from this dotenv file (implies --substitute; it wins over the process environment); repeat for several
    #[arg(long = "env-file", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub env_file: Vec<String>,
    /// With --substitute or --env-file: leave a `${NAME}` whose variable is not set as written instead of failing
    #[arg(long)]
    pub allow_unset: bool,
    /// Write Secret values from the environment (or --env-file) into the Secret files instead of the placeholder
    #[arg(long)]
    pub include_secret_values: bool,
    /// Remove the files an earlier render wrote that the state no longer generates
    #[arg(long, conflicts_with = "output")]
    pub prune: bool,
    /// Print the objects as YAML (-o yaml) with a comment on every value saying where it came from: its state path, `default` or the rule that decided it
    #[arg(long, visible_alias = "show-origin")]
    pub explain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Show Secret values instead of masking them with *** (never those from the environment)
    #[arg(long, conflicts_with = "secrets_from_env")]
    pub show_secrets: bool,
    #[command(flatten)]
    pub env: EnvArgs,
    /// List the objects of the state's ApplySet that apply --prune would delete (exit 1 when there are any)
    #[arg(long)]
    pub prune: bool,
    /// With --prune: PersistentVolumeClaims too
    #[arg(long, requires = "prune")]
    pub prune_volumes: bool,
    /// Preview taking over fields that another field manager owns
    #[arg(long)]
    pub force_conflicts: bool,
    /// Show which StatefulSets and Jobs apply --recreate-immutable would delete and create again, and why
    #[arg(long)]
    pub recreate_immutable: bool,
    /// How many objects to compare at once (see README: API Priority and Fairness)
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Name of the manager used to track field ownership
    #[arg(long, value_name = "NAME", default_value = crate::cluster::FIELD_MANAGER)]
    pub field_manager: String,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// `server`: the server checks everything and persists nothing; `client`: check the state and print what would be sent, without contacting the cluster
    #[arg(long, value_name = "STRATEGY", default_value = "none")]
    pub dry_run: DryRun,
    /// Take over fields that another field manager owns instead of failing with a conflict
    #[arg(long)]
    pub force_conflicts: bool,
    /// When the server refuses to change a field that is fixed at creation, delete and create again where nothing is lost: a StatefulSet without its pods (they and their volume claims keep running), a Job with its pods; never a PersistentVolumeClaim
    #[arg(long)]
    pub recreate_immutable: bool,
    /// Wait until Deployments, StatefulSets and DaemonSets have rolled out and Jobs have completed
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 90s, 5m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "5m", requires = "wait")]
    pub timeout: String,
    /// How many objects to apply at once (see README: API Priority and Fairness)
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Name of the manager used to track field ownership
    #[arg(long, value_name = "NAME", default_value = crate::cluster::FIELD_MANAGER)]
    pub field_manager: String,
    #[command(flatten)]
    pub env: EnvArgs,
    #[command(flatten)]
    pub prune: PruneArgs,
    /// `name` prints kind.group/name per object instead of the result lines; `yaml` or `json` prints the objects as the server returned them (Secret values masked; with --dry-run=client, as they would be sent)
    #[arg(short = 'o', long, value_name = "FORMAT")]
    pub output: Option<ApplyOutput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyOutput {
    Name,
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    None,
    Client,
    Server,
}

#[derive(Debug, Default, Args)]
pub struct VersionArgs {
    /// Removed, as in kubectl 1.28: refused with a note (the plain output
    /// is what it printed).
    #[arg(long, hide = true)]
    pub short: bool,
    /// kubectl's habit (`kubectl version --client`); the plugin has no
    /// server part, so it changes nothing.
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub client: Option<bool>,
    /// Print version, git commit, build date and platform in this format
    #[arg(short = 'o', long, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the script for
    #[arg(value_name = "SHELL")]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::Parser;

    #[test]
    fn version_alone_is_what_clap_makes_of_it() {
        let fast = Cli::version_alone(["version"]).expect("`version` alone");
        let clap = Cli::try_parse_from(["kubectl-wizard", "version"]).expect("clap parses it");
        assert_eq!(format!("{fast:?}"), format!("{clap:?}"));
    }

    #[test]
    fn anything_else_goes_to_clap() {
        for words in [
            &[][..],
            &["version", "-o", "json"],
            &["version", "--client"],
            &["version", "--short"],
            &["-n", "x", "version"],
            &["versio"],
            &["render"],
            &["--help"],
        ] {
            assert!(Cli::version_alone(words).is_none(), "{words:?}");
        }
    }
}
