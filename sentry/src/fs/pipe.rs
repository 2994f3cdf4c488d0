//! Pipes: a bounded byte queue in the sentry with a read end and a write end (pipe(7)).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::{FileOps, Statfs};
use crate::errno::Errno;
use crate::mm::MemoryManager;

/// Linux's default pipe capacity.
const PIPE_CAPACITY: usize = 65536;
/// Writes of at most this many bytes are atomic.
pub const PIPE_BUF: usize = 4096;
const PIPEFS_MAGIC: i64 = 0x5049_5045;

struct State {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
    /// Bumped by every write (edge-triggered epoll reports each).
    writes: u64,
    /// How many bytes the pipe holds (F_SETPIPE_SZ).
    capacity: usize,
}

/// The shared part of a pipe.
pub struct Pipe {
    state: Mutex<State>,
    changed: Condvar,
    ino: u64,
    uid: u32,
    gid: u32,
}

/// One end of a pipe: what an open file description of it holds.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    reader: bool,
    writer: bool,
    nonblock: AtomicBool,
    path: String,
}

impl Pipe {
    /// A new pipe's read and write ends.
    pub fn new_pair(uid: u32, gid: u32, nonblock: bool) -> (PipeEnd, PipeEnd) {
        static NEXT_INO: AtomicU64 = AtomicU64::new(1);
        let pipe = Arc::new(Pipe {
            state: Mutex::new(State {
                data: VecDeque::new(),
                readers: 1,
                writers: 1,
                writes: 0,
                capacity: PIPE_CAPACITY,
            }),
            changed: Condvar::new(),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            uid,
            gid,
        });
        let end = |writer: bool| PipeEnd {
            pipe: pipe.clone(),
            reader: !writer,
            writer,
            nonblock: AtomicBool::new(nonblock),
            path: format!("pipe:[{}]", pipe.ino),
        };
        (end(false), end(true))
    }

    /// A FIFO's pipe: no ends open until the FIFO is opened.
    pub fn new_named(uid: u32, gid: u32) -> Arc<Pipe> {
        static NEXT_INO: AtomicU64 = AtomicU64::new(1 << 32);
        Arc::new(Pipe {
            state: Mutex::new(State {
                data: VecDeque::new(),
                readers: 0,
                writers: 0,
                writes: 0,
                capacity: PIPE_CAPACITY,
            }),
            changed: Condvar::new(),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            uid,
            gid,
        })
    }

    /// Opens an end of a FIFO as fifo(7) says: a read-only open waits for a writer and a
    /// write-only open for a reader, unless O_NONBLOCK (then a writer without a reader gets
    /// ENXIO); O_RDWR opens both ends at once.
    pub fn open_end(self: &Arc<Self>, flags: u32) -> Result<PipeEnd, Errno> {
        let nonblock = flags & libc::O_NONBLOCK as u32 != 0;
        let (reader, writer) = match flags as i32 & libc::O_ACCMODE {
            libc::O_RDONLY => (true, false),
            libc::O_WRONLY => (false, true),
            _ => (true, true),
        };
        let mut s = self.lock();
        if writer && !reader && nonblock && s.readers == 0 {
            return Err(Errno::ENXIO);
        }
        let end = PipeEnd {
            pipe: self.clone(),
            reader,
            writer,
            nonblock: AtomicBool::new(nonblock),
            path: format!("pipe:[{}]", self.ino),
        };
        s.readers += usize::from(reader);
        s.writers += usize::from(writer);
        self.changed.notify_all();
        super::poll::notify_key(super::poll::key_of(&**self));
        if !nonblock && reader != writer {
            let _wake = self.interruptible();
            while (reader && s.writers == 0) || (writer && s.readers == 0) {
                // On an interrupted wait, dropping `end` closes it again.
                s = self.wait(s)?;
            }
        }
        drop(s);
        Ok(end)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a change, or until a signal interrupts the caller (ERESTARTSYS). The caller
    /// holds a wake registration (see `interruptible`).
    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>, Errno> {
        if crate::kernel::process::interrupted() {
            return Err(Errno::ERESTARTSYS);
        }
        Ok(self.changed.wait(guard).unwrap_or_else(|e| e.into_inner()))
    }

    /// Lets a signal for the calling task wake it from `wait` on this pipe.
    /// The pipe changed: wake its blocked readers and writers, and poll/epoll waiters.
    fn wake(&self) {
        self.changed.notify_all();
        super::poll::notify_key(super::poll::key_of(self));
    }

    fn interruptible(self: &Arc<Self>) -> crate::kernel::process::WakeRegistration {
        let pipe = self.clone();
        crate::kernel::process::on_interrupt(Arc::new(move || {
            let _guard = pipe.lock();
            pipe.changed.notify_all();
        }))
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut s = self.pipe.lock();
        s.writers -= usize::from(self.writer);
        s.readers -= usize::from(self.reader);
        if s.readers == 0 && s.writers == 0 {
            // A FIFO keeps no data once nothing has it open.
            s.data.clear();
        }
        self.pipe.changed.notify_all();
        super::poll::notify_key(super::poll::key_of(&*self.pipe));
    }
}

impl FileOps for PipeEnd {
    fn supports_fasync(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.reader {
            return Err(Errno::EBADF);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let _wake = self.pipe.interruptible();
        let mut s = self.pipe.lock();
        loop {
            if !s.data.is_empty() {
                let n = buf.len().min(s.data.len());
                super::drain_into(&mut s.data, &mut buf[..n]);
                // Wake writers after unlocking, so they do not run only to block on it.
                drop(s);
                self.pipe.wake();
                return Ok(n);
            }
            if s.writers == 0 {
                return Ok(0);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return Err(Errno::EAGAIN);
            }
            s = self.pipe.wait(s)?;
        }
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        if !self.writer {
            return Err(Errno::EBADF);
        }
        let _wake = self.pipe.interruptible();
        let mut s = self.pipe.lock();
        let mut done = 0;
        // Readers are woken once the lock is released, or before this write sleeps.
        let result = loop {
            if done == buf.len() {
                break Ok(done);
            }
            if s.readers == 0 {
                break if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EPIPE)
                };
            }
            let room = s.capacity.saturating_sub(s.data.len());
            let rest = buf.len() - done;
            // Writes of up to PIPE_BUF bytes go in whole or not at all.
            let fits = if buf.len() <= PIPE_BUF {
                room >= rest
            } else {
                room > 0
            };
            if fits {
                let n = rest.min(room);
                s.data.extend(&buf[done..done + n]);
                s.writes += 1;
                done += n;
                continue;
            }
            if self.nonblock.load(Ordering::Relaxed) {
                break if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            if done > 0 {
                self.pipe.wake();
            }
            s = match self.pipe.wait(s) {
                Ok(s) => s,
                Err(e) if done == 0 => return Err(e),
                Err(_) => return Ok(done),
            };
        };
        drop(s);
        if done > 0 {
            self.pipe.wake();
        }
        result
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        // SAFETY: an all-zero stat is a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_mode = libc::S_IFIFO | 0o600;
        st.st_nlink = 1;
        st.st_ino = self.pipe.ino;
        st.st_uid = self.pipe.uid;
        st.st_gid = self.pipe.gid;
        st.st_blksize = PIPE_BUF as i64;
        st.st_dev = libc::makedev(0, 12);
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: PIPEFS_MAGIC,
            f_bsize: PIPE_BUF as i64,
            f_namelen: 255,
            f_frsize: PIPE_BUF as i64,
            ..Statfs::default()
        })
    }

    fn ioctl(&self, mm: &MemoryManager, request: u64, arg: u64) -> Result<u64, Errno> {
        if request != libc::FIONREAD {
            return Err(Errno::ENOTTY);
        }
        let n = self.pipe.lock().data.len() as i32;
        mm.write_val(arg, &n)?;
        Ok(0)
    }

    fn wait_key(&self) -> Option<super::poll::Key> {
        Some(super::poll::key_of(&*self.pipe))
    }

    fn poll(&self) -> u32 {
        use super::poll::*;
        let s = self.pipe.lock();
        let mut events = 0;
        if self.reader {
            if !s.data.is_empty() {
                events |= POLLIN | POLLRDNORM;
            }
            if s.writers == 0 {
                events |= POLLHUP;
            }
        }
        if self.writer {
            if s.data.len() < s.capacity {
                events |= POLLOUT | POLLWRNORM;
            }
            if s.readers == 0 {
                events |= POLLERR;
            }
        }
        events
    }

    fn poll_generation(&self) -> u64 {
        self.pipe.lock().writes
    }

    fn peek(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.reader {
            return Err(Errno::EBADF);
        }
        let s = self.pipe.lock();
        if s.data.is_empty() {
            return if s.writers == 0 {
                Ok(0)
            } else {
                Err(Errno::EAGAIN)
            };
        }
        let n = buf.len().min(s.data.len());
        for (d, b) in buf.iter_mut().zip(s.data.iter()) {
            *d = *b;
        }
        Ok(n)
    }

    fn pipe_size(&self, set: Option<usize>) -> Result<usize, Errno> {
        let mut s = self.pipe.lock();
        if let Some(want) = set {
            // A power-of-two number of pages, at most /proc/sys/fs/pipe-max-size (1 MiB), and
            // never below what the pipe holds now.
            let size = want
                .max(4096)
                .checked_next_power_of_two()
                .ok_or(Errno::EINVAL)?;
            if size > 1 << 20 {
                return Err(Errno::EPERM);
            }
            if size < s.data.len() {
                return Err(Errno::EBUSY);
            }
            s.capacity = size;
            drop(s);
            super::poll::notify_key(super::poll::key_of(&*self.pipe));
            return Ok(size);
        }
        Ok(s.capacity)
    }

    fn set_status_flags(&self, flags: u32) {
        self.nonblock
            .store(flags & libc::O_NONBLOCK as u32 != 0, Ordering::Relaxed);
    }

    fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_flows_and_eof_follows_the_last_writer() {
        let (r, w) = Pipe::new_pair(0, 0, true);
        assert_eq!(r.read(&mut [0; 4]).unwrap_err(), Errno::EAGAIN);
        assert_eq!(w.write(b"hello").unwrap(), 5);
        let mut buf = [0u8; 3];
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf, b"hel");
        drop(w);
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn full_pipe_and_no_reader() {
        let (r, w) = Pipe::new_pair(0, 0, true);
        let big = vec![7u8; PIPE_CAPACITY + 10];
        assert_eq!(w.write(&big).unwrap(), PIPE_CAPACITY);
        assert_eq!(w.write(b"x").unwrap_err(), Errno::EAGAIN);
        drop(r);
        assert_eq!(w.write(b"x").unwrap_err(), Errno::EPIPE);
    }
}
