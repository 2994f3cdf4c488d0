//! The host poller: one sentry thread per sandbox in `--network=host` mode, started with the
//! first host socket. It owns a host epoll set holding every host socket of the sandbox,
//! edge-triggered, and turns each host event into the sandbox's own wake-up: it bumps the
//! socket's generation (what edge-triggered epoll in the sandbox compares) and calls
//! `poll::notify`, so that waits in `poll::wait_ready` (blocked accept, recv, connect, and
//! the app's poll, select and epoll) look at their sockets again. No thread serving the app
//! ever waits in the host.

use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::sys;
use crate::errno::Errno;
use crate::fs::poll;

/// What the host epoll set watches on each socket.
const EVENTS: u32 =
    (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLPRI | libc::EPOLLET) as u32;
/// How long the thread waits before it checks whether the sandbox is gone.
const STOP_CHECK_MS: i32 = 1000;

pub(super) struct Poller {
    epfd: OwnedFd,
    /// Each registered socket's generation, by the token its events carry. Tokens are never
    /// reused, so an event for a socket closed meanwhile finds nothing.
    sockets: Mutex<HashMap<u64, Arc<AtomicU64>>>,
    next: AtomicU64,
    stop: AtomicBool,
}

/// A socket's place in the poller: dropped when the socket closes.
pub(super) struct Registration {
    poller: Arc<Poller>,
    token: u64,
    generation: Arc<AtomicU64>,
}

impl Registration {
    /// Changes with every host event on the socket.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // The socket's fd closes right after, which takes it out of the epoll set.
        self.poller.lock().remove(&self.token);
    }
}

impl Poller {
    /// Makes the epoll set and starts the thread.
    pub(super) fn start() -> Result<Arc<Poller>, Errno> {
        let p = Arc::new(Poller {
            epfd: sys::epoll_create()?,
            sockets: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            stop: AtomicBool::new(false),
        });
        let q = p.clone();
        std::thread::Builder::new()
            .name("host-poller".into())
            .spawn(move || q.run())
            .map_err(|e| {
                tracing::error!("cannot start the host poller thread: {e}");
                Errno::ENOMEM
            })?;
        Ok(p)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<AtomicU64>>> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches a new host socket.
    pub(super) fn register(self: &Arc<Self>, fd: BorrowedFd<'_>) -> Result<Registration, Errno> {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let generation = Arc::new(AtomicU64::new(0));
        self.lock().insert(token, generation.clone());
        if let Err(e) = sys::epoll_add(self.epfd.as_fd(), fd, EVENTS, token) {
            self.lock().remove(&token);
            return Err(e);
        }
        Ok(Registration {
            poller: self.clone(),
            token,
            generation,
        })
    }

    /// Asks the thread to end (the sandbox is going away); it does within STOP_CHECK_MS.
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    fn run(&self) {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
        while !self.stop.load(Ordering::Relaxed) {
            let n = match sys::epoll_wait(self.epfd.as_fd(), &mut events, STOP_CHECK_MS) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    tracing::error!("host poller: epoll_wait failed: {e:?}");
                    return;
                }
            };
            if n == 0 {
                continue;
            }
            {
                let sockets = self.lock();
                for e in &events[..n] {
                    let token = e.u64;
                    if let Some(g) = sockets.get(&token) {
                        g.fetch_add(1, Ordering::Release);
                    }
                }
            }
            poll::notify();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    #[test]
    fn a_host_event_bumps_the_generation_and_closing_unregisters() {
        let poller = Poller::start().unwrap();
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let reg = poller.register(rx.as_fd()).unwrap();
        // Registering reports the socket's current state once (writable).
        let deadline = Instant::now() + Duration::from_secs(10);
        while reg.generation() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let before = reg.generation();
        assert!(before > 0);
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.send_to(b"x", rx.local_addr().unwrap()).unwrap();
        while reg.generation() == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(reg.generation() > before);
        let token = reg.token;
        drop(reg);
        assert!(!poller.lock().contains_key(&token));
        poller.stop();
    }
}
