//! `kubectl_complete-wizard`: kubectl (1.26 and later) runs this executable,
//! found on PATH beside the plugin, to complete `kubectl wizard <TAB>`. The
//! arguments are the words after `wizard`; the reply is in Cobra's format.

fn main() {
    kubectl_wizard::complete::main(std::env::args_os().skip(1));
}
