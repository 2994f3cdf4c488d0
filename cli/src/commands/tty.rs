//! `blinders do -t`: the host side of the sandbox's terminal. The host terminal goes into raw
//! mode (restored on exit, and on SIGTERM, SIGHUP, SIGINT, SIGQUIT), one thread copies host
//! stdin to the pty master, one copies the master to host stdout, and one waits for signals:
//! SIGWINCH passes the host window size on (TIOCSWINSZ on the master).

use std::io::Write;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentry::kernel::terminal::Terminal;

/// The host terminal's settings before raw mode, to put back.
static SAVED: Mutex<Option<libc::termios>> = Mutex::new(None);

/// Whether fd 0 is a terminal.
pub fn stdin_is_terminal() -> bool {
    // SAFETY: isatty only inspects the fd.
    unsafe { libc::isatty(0) == 1 }
}

/// Puts the host terminal back as it was.
pub fn restore() {
    let saved = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(t) = saved {
        // SAFETY: t is a termios tcgetattr filled.
        unsafe { libc::tcsetattr(0, libc::TCSADRAIN, &t) };
    }
}

fn host_winsize() -> Option<libc::winsize> {
    // SAFETY: an all-zero winsize is valid; TIOCGWINSZ fills it.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize to a valid pointer.
    let r = unsafe { libc::ioctl(0, libc::TIOCGWINSZ, &mut ws) };
    (r == 0).then_some(ws)
}

fn pass_winsize(term: &Terminal) {
    if let Some(ws) = host_winsize() {
        term.set_winsize(ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
    }
}

/// The signals the signal thread takes (blocked in every thread of blinders).
fn handled_signals() -> libc::sigset_t {
    // SAFETY: an all-zero sigset_t is valid storage; sigemptyset initialises it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: set is a valid sigset_t.
    unsafe {
        libc::sigemptyset(&mut set);
        for sig in [
            libc::SIGWINCH,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGINT,
            libc::SIGQUIT,
        ] {
            libc::sigaddset(&mut set, sig);
        }
    }
    set
}

/// The relay: raw mode and the threads. Made before the sandbox starts, in the thread that
/// will run it, so every thread made after (the sentry's too) blocks the handled signals.
pub struct Relay {
    /// Told when the master's output has ended (the sandbox's last slave closed).
    output_done: mpsc::Receiver<()>,
}

impl Relay {
    /// Raw mode, blocked signals, and the signal thread. Returns the relay and the callback
    /// the sentry calls with the terminal.
    pub fn start() -> std::io::Result<(Relay, sentry::kernel::terminal::TerminalSetup)> {
        // SAFETY: an all-zero termios is valid storage; tcgetattr fills it.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: t is valid for tcgetattr to write.
        if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
        let mut raw = t;
        // SAFETY: raw is a valid termios.
        unsafe { libc::cfmakeraw(&mut raw) };
        // SAFETY: raw is a valid termios.
        if unsafe { libc::tcsetattr(0, libc::TCSADRAIN, &raw) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let set = handled_signals();
        // SAFETY: set is initialised; the old mask is not wanted.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
        let term_slot: Arc<Mutex<Option<Arc<Terminal>>>> = Arc::new(Mutex::new(None));
        let for_signals = term_slot.clone();
        std::thread::spawn(move || signal_thread(for_signals));
        let (done_tx, output_done) = mpsc::channel();
        let setup: sentry::kernel::terminal::TerminalSetup = Box::new(move |term| {
            pass_winsize(&term);
            *term_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(term.clone());
            let input = term.clone();
            std::thread::spawn(move || stdin_to_master(&input));
            std::thread::spawn(move || {
                master_to_stdout(&term);
                let _ = done_tx.send(());
            });
        });
        Ok((Relay { output_done }, setup))
    }

    /// The sandbox ended: waits (briefly) for its last output, then restores the terminal.
    pub fn finish(self) {
        let _ = self.output_done.recv_timeout(Duration::from_secs(2));
        restore();
    }
}

fn signal_thread(term: Arc<Mutex<Option<Arc<Terminal>>>>) {
    let set = handled_signals();
    loop {
        let mut sig = 0;
        // SAFETY: set is initialised and sig a valid out-pointer.
        if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
            continue;
        }
        if sig == libc::SIGWINCH {
            let t = term.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if let Some(t) = t {
                pass_winsize(&t);
            }
            continue;
        }
        // Killed from outside: the terminal comes back, and blinders dies as a shell reports
        // (its stubs die with it: PR_SET_PDEATHSIG).
        restore();
        // SAFETY: _exit ends the process at once.
        unsafe { libc::_exit(128 + sig) };
    }
}

fn stdin_to_master(term: &Terminal) {
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: buf is writable for its length.
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        let Ok(n) = usize::try_from(n) else {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        };
        if n == 0 {
            return;
        }
        let mut done = 0;
        while done < n {
            match term.write(&buf[done..n]) {
                Ok(w) => done += w,
                Err(_) => return,
            }
        }
    }
}

fn master_to_stdout(term: &Terminal) {
    let mut buf = [0u8; 4096];
    let mut out = std::io::stdout().lock();
    loop {
        match term.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if out.write_all(&buf[..n]).and_then(|()| out.flush()).is_err() {
                    return;
                }
            }
        }
    }
}
