//! The first process inside a network-isolated sandbox (`wharf-sandbox-init`): it opens
//! the sandbox's loopback ports (gateway, egress proxy), forwards each connection to the
//! Unix socket bind-mounted from the host, then runs the real command and exits with its
//! status. Plain threads and blocking I/O: it is tiny and starts in about a millisecond.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};

/// One `--forward PORT=SOCKET` of the init's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// Loopback port inside the sandbox.
    pub port: u16,
    /// Unix socket path inside the sandbox.
    pub socket: String,
}

/// The init's command line: `[--forward PORT=SOCKET]... -- PROGRAM [ARGS]...`.
pub fn init_args(forwards: &[Forward], argv: &[String]) -> Vec<String> {
    let mut args = Vec::new();
    for f in forwards {
        args.push("--forward".to_owned());
        args.push(format!("{}={}", f.port, f.socket));
    }
    args.push("--".to_owned());
    args.extend(argv.iter().cloned());
    args
}

fn parse(args: &[String]) -> Result<(Vec<Forward>, Vec<String>), String> {
    let mut forwards = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--" => return Ok((forwards, args[i + 1..].to_vec())),
            "--forward" => {
                let spec = args.get(i + 1).ok_or("--forward needs PORT=SOCKET")?;
                let (port, socket) = spec.split_once('=').ok_or("--forward needs PORT=SOCKET")?;
                let port = port
                    .parse()
                    .map_err(|_| format!("bad port in --forward {spec}"))?;
                forwards.push(Forward {
                    port,
                    socket: socket.to_owned(),
                });
                i += 2;
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Err("missing `-- PROGRAM`".to_owned())
}

/// Entry point of `wharf-sandbox-init`.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (forwards, argv) = match parse(&args) {
        Ok(v) => v,
        Err(e) => return fail(&format!("wharf-sandbox-init: {e}")),
    };
    let Some((program, rest)) = argv.split_first() else {
        return fail("wharf-sandbox-init: no program to run");
    };
    for f in forwards {
        let listener = match TcpListener::bind(("127.0.0.1", f.port)) {
            Ok(l) => l,
            Err(e) => {
                return fail(&format!(
                    "wharf-sandbox-init: cannot listen on 127.0.0.1:{}: {e}",
                    f.port
                ));
            }
        };
        std::thread::spawn(move || accept_loop(listener, f.socket));
    }
    match Command::new(program).args(rest).status() {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            (None, Some(sig)) => ExitCode::from(u8::try_from(128 + sig).unwrap_or(255)),
            _ => ExitCode::from(1),
        },
        Err(e) => fail(&format!("wharf-sandbox-init: cannot run `{program}`: {e}")),
    }
}

fn accept_loop(listener: TcpListener, socket: String) {
    for conn in listener.incoming().flatten() {
        let socket = socket.clone();
        std::thread::spawn(move || {
            if let Ok(unix) = UnixStream::connect(&socket) {
                pipe(conn, unix);
            }
        });
    }
}

fn pipe(tcp: TcpStream, unix: UnixStream) {
    let (Ok(mut tcp_r), Ok(mut unix_w)) = (tcp.try_clone(), unix.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut tcp_r, &mut unix_w);
        let _ = unix_w.shutdown(Shutdown::Write);
    });
    let (mut unix_r, mut tcp_w) = (unix, tcp);
    let _ = std::io::copy(&mut unix_r, &mut tcp_w);
    let _ = tcp_w.shutdown(Shutdown::Write);
    let _ = up.join();
}

fn fail(msg: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "{msg}");
    ExitCode::from(126)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn args_round_trip() {
        let f = vec![Forward {
            port: 4000,
            socket: "/run/wharf/gateway.sock".into(),
        }];
        let argv = vec!["codex".to_owned(), "--".to_owned(), "x".to_owned()];
        let args = init_args(&f, &argv);
        assert_eq!(parse(&args).unwrap(), (f, argv));
        assert!(
            parse(&["--forward".into(), "x".into()])
                .unwrap_err()
                .contains("PORT=SOCKET")
        );
        assert!(parse(&[]).unwrap_err().contains("PROGRAM"));
    }
}
