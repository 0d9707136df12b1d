//! The `wharf` binary; everything is in the library.

fn main() -> std::process::ExitCode {
    wharf_cli::main()
}
