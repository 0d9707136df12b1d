//! Host side of the sandbox's network: Unix sockets bind-mounted into the sandbox, each
//! relayed to one TCP address on the host (the gateway) or to the egress proxy.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tokio::net::{TcpStream, UnixListener};
use tokio::task::JoinHandle;

use crate::SandboxError;

/// Binds `sock` (reachable by the sandbox's user) and relays every connection to `target`.
pub(crate) fn unix_to_tcp(sock: &Path, target: SocketAddr) -> Result<JoinHandle<()>, SandboxError> {
    let listener = bind(sock)?;
    Ok(tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                match TcpStream::connect(target).await {
                    Ok(mut outbound) => {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                    Err(e) => {
                        tracing::warn!(%target, error = %e, "sandbox relay could not reach its target")
                    }
                }
            });
        }
    }))
}

/// Binds a Unix listener the sandbox's (unprivileged) user may connect to.
pub(crate) fn bind(sock: &Path) -> Result<UnixListener, SandboxError> {
    let _ = std::fs::remove_file(sock);
    let listener =
        UnixListener::bind(sock).map_err(SandboxError::io("binding relay socket", sock))?;
    std::fs::set_permissions(sock, std::fs::Permissions::from_mode(0o666)).map_err(
        SandboxError::io("opening relay socket to the sandbox user", sock),
    )?;
    Ok(listener)
}
