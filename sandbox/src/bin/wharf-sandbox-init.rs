//! `wharf-sandbox-init`: the first process inside a network-isolated sandbox.

fn main() -> std::process::ExitCode {
    wharf_sandbox::init::main()
}
