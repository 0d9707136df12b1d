//! The `wharf` command line, built inside the test package so the end-to-end tests get it
//! from cargo (`CARGO_BIN_EXE_wharf-e2e`) with the same build as everything else.

fn main() -> std::process::ExitCode {
    wharf_cli::main()
}
