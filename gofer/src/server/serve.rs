//! The serve loop: the handshake, then one reply per request, in order.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{Response, ServeError, Server};
use crate::proto::{self, Reply, Request, MAX_MESSAGE};
use crate::{wire, PROTOCOL_VERSION};

/// Serves `sock` until the peer closes it: the handshake first, then one reply per request.
pub(crate) fn serve_loop(sock: OwnedFd, mut server: Server) -> Result<(), ServeError> {
    let sock = sock.as_fd();
    let mut buf = vec![0u8; MAX_MESSAGE];
    let Some(len) = recv_request(sock, &mut buf)? else {
        return Ok(());
    };
    match len.and_then(|len| proto::decode::<Request>(&buf[..len]).ok()) {
        Some(Request::Version { version }) => {
            if !send_reply(
                sock,
                Response::reply(Reply::Version {
                    version: PROTOCOL_VERSION,
                }),
            )? {
                return Ok(());
            }
            if version != PROTOCOL_VERSION {
                return Err(ServeError::Version { client: version });
            }
        }
        _ => {
            send_reply(
                sock,
                Response::reply(Reply::Error {
                    errno: libc::EPROTO,
                }),
            )?;
            return Err(ServeError::Handshake);
        }
    }
    tracing::debug!(version = PROTOCOL_VERSION, "gofer: handshake done");
    loop {
        let Some(len) = recv_request(sock, &mut buf)? else {
            return Ok(());
        };
        let response = match len {
            Some(len) => server.handle_bytes(&buf[..len]),
            None => Some(Response::reply(Reply::Error {
                errno: libc::EMSGSIZE,
            })),
        };
        if let Some(response) = response {
            if !send_reply(sock, response)? {
                return Ok(());
            }
        }
    }
}

/// Receives one request: `None` when the peer has closed the socket, `Some(None)` for a message
/// that was too large (or came with descriptors that did not fit). Descriptors sent along with a
/// request are closed.
fn recv_request(sock: BorrowedFd<'_>, buf: &mut [u8]) -> Result<Option<Option<usize>>, ServeError> {
    let got = match wire::recv(sock, buf) {
        Ok(got) => got,
        Err(err) if err.raw_os_error() == Some(libc::ECONNRESET) => return Ok(None),
        Err(err) => return Err(ServeError::Socket(err)),
    };
    if got.len == 0 && !got.truncated {
        return Ok(None);
    }
    Ok(Some((!got.truncated).then_some(got.len)))
}

/// Sends a reply; `false` if the peer has gone.
fn send_reply(sock: BorrowedFd<'_>, response: Response) -> Result<bool, ServeError> {
    let bytes = match proto::encode(&response.reply) {
        Ok(bytes) => bytes,
        Err(err) => {
            // Cannot happen with the bounds in `proto`; answer rather than desynchronise.
            tracing::debug!(%err, "gofer: reply does not encode");
            proto::encode(&Reply::Error { errno: libc::EIO })
                .map_err(|e| ServeError::Socket(io::Error::other(e)))?
        }
    };
    match wire::send(sock, &bytes, response.fd.as_ref().map(|fd| fd.as_fd())) {
        Ok(()) => Ok(true),
        Err(err) if matches!(err.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)) => Ok(false),
        Err(err) => Err(ServeError::Socket(err)),
    }
}
