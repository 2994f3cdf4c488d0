//! A process's file descriptor table.

use std::sync::Arc;

use super::File;
use crate::errno::Errno;

/// The largest number of fds a table holds (Linux's default `fs.nr_open`).
pub const NR_OPEN: u32 = 1 << 20;

#[derive(Clone)]
struct Slot {
    file: Arc<File>,
    cloexec: bool,
}

/// fd → open file description, with the close-on-exec flag per fd.
#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
}

impl FdTable {
    /// The file at `fd`, or EBADF.
    pub fn get(&self, fd: i32) -> Result<Arc<File>, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.file.clone())
            .ok_or(Errno::EBADF)
    }

    /// close_range(2): closes (or marks close-on-exec) every fd in `[first, last]`.
    pub fn close_range(&mut self, first: u32, last: u32, cloexec_only: bool) {
        let end = (last as usize).saturating_add(1).min(self.slots.len());
        for slot in self.slots.iter_mut().take(end).skip(first as usize) {
            if cloexec_only {
                if let Some(s) = slot.as_mut() {
                    s.cloexec = true;
                }
            } else {
                *slot = None;
            }
        }
    }

    /// Every open fd and its file, in fd order.
    pub fn iter(&self) -> impl Iterator<Item = (i32, Arc<File>)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i as i32, s.file.clone())))
    }

    /// Installs `file` at the lowest free fd ≥ `min`, below `limit` (RLIMIT_NOFILE): EMFILE
    /// if none, EINVAL if `min` is beyond the limit (as F_DUPFD answers).
    pub fn install(
        &mut self,
        file: Arc<File>,
        cloexec: bool,
        min: u32,
        limit: u64,
    ) -> Result<i32, Errno> {
        let limit = limit.min(u64::from(NR_OPEN)) as usize;
        let min = min as usize;
        if min >= limit {
            return Err(Errno::EINVAL);
        }
        let fd = (min..limit)
            .find(|&i| self.slots.get(i).is_none_or(|s| s.is_none()))
            .ok_or(Errno::EMFILE)?;
        self.put(fd, file, cloexec);
        Ok(fd as i32)
    }

    /// Puts `file` at `fd`, closing what was there (dup2).
    pub fn put(&mut self, fd: usize, file: Arc<File>, cloexec: bool) {
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd] = Some(Slot { file, cloexec });
    }

    /// Closes `fd`; EBADF if it is not open.
    pub fn close(&mut self, fd: i32) -> Result<(), Errno> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .ok_or(Errno::EBADF)?;
        slot.take().map(drop).ok_or(Errno::EBADF)
    }

    pub fn cloexec(&self, fd: i32) -> Result<bool, Errno> {
        self.get(fd)?;
        Ok(self.slots[fd as usize].as_ref().is_some_and(|s| s.cloexec))
    }

    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> Result<(), Errno> {
        self.get(fd)?;
        if let Some(s) = self.slots[fd as usize].as_mut() {
            s.cloexec = on;
        }
        Ok(())
    }

    /// Closes every close-on-exec fd (execve).
    pub fn close_on_exec(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| s.cloexec) {
                *slot = None;
            }
        }
    }
}
