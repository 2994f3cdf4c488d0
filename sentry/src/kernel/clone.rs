//! clone, fork and vfork: a new task on a sentry thread of its own.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::process::Process;
use super::signal::SigInfo;
use super::{ExitStatus, Task};
use crate::errno::Errno;
use crate::mm::MemoryManager;

/// What clone was asked for, decoded from clone(2) or clone3(2).
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneArgs {
    pub flags: u64,
    /// The signal the parent gets when the child ends (0: none).
    pub exit_signal: i32,
    /// The child's stack pointer (0: the parent's).
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
}

const CLONE_VM: u64 = libc::CLONE_VM as u64;
const CLONE_FS: u64 = libc::CLONE_FS as u64;
const CLONE_FILES: u64 = libc::CLONE_FILES as u64;
const CLONE_THREAD: u64 = libc::CLONE_THREAD as u64;
const CLONE_PARENT: u64 = libc::CLONE_PARENT as u64;
const CLONE_VFORK: u64 = libc::CLONE_VFORK as u64;
const CLONE_SETTLS: u64 = libc::CLONE_SETTLS as u64;
const CLONE_PARENT_SETTID: u64 = libc::CLONE_PARENT_SETTID as u64;
const CLONE_CHILD_SETTID: u64 = libc::CLONE_CHILD_SETTID as u64;
const CLONE_CHILD_CLEARTID: u64 = libc::CLONE_CHILD_CLEARTID as u64;

fn platform_error(e: platform::PlatformError) -> Errno {
    tracing::error!("clone: {e}");
    Errno::ENOMEM
}

impl Task {
    /// Makes a child task as `args` says; returns its id. The child runs on a new sentry
    /// thread; for CLONE_VFORK this returns once the child has exec'd or exited.
    pub fn clone_task(&mut self, args: &CloneArgs) -> Result<i32, Errno> {
        let flags = args.flags;
        let kernel = self.kernel.clone();
        self.check_nproc()?;
        let tid = kernel.alloc_pid()?;
        let result = self.clone_with_id(args, tid);
        if result.is_err() {
            kernel.free_pid(tid);
        }
        let child = result?;
        if flags & CLONE_VFORK != 0 {
            let mut p = self.process.lock();
            while !child.lock().vfork_done && p.group_exit.is_none() {
                p = self.process.wait_event(p);
            }
        }
        Ok(tid)
    }

    /// RLIMIT_NPROC: a user may run at most that many tasks (processes and threads), unless
    /// it has CAP_SYS_ADMIN or CAP_SYS_RESOURCE; EAGAIN past it, as fork(2) answers.
    fn check_nproc(&self) -> Result<(), Errno> {
        let limit = self.rlimits[libc::RLIMIT_NPROC as usize].rlim_cur;
        if limit == libc::RLIM_INFINITY || self.cred.capable(21) || self.cred.capable(24) {
            return Ok(());
        }
        let uid = self.cred.ruid;
        let mut count = 0u64;
        for p in self.kernel.processes() {
            let s = p.lock();
            if s.exit.is_none() && s.cred.as_ref().is_some_and(|c| c.ruid == uid) {
                count += s.threads as u64;
            }
        }
        if count >= limit {
            return Err(Errno::EAGAIN);
        }
        Ok(())
    }

    fn clone_with_id(&mut self, args: &CloneArgs, tid: i32) -> Result<Arc<Process>, Errno> {
        let flags = args.flags;
        let thread = flags & CLONE_THREAD != 0;
        let share_vm = flags & CLONE_VM != 0;
        let kernel = self.kernel.clone();
        // A thread (or vfork child) is another stub thread of this address space; a fork is a
        // fork of this stub process, whose mappings the child's memory manager then replaces.
        // A fork shares the parent's private pages copy-on-write: readied here, with the
        // parent's context, and the child's stub forked with them in place.
        let (new_thread, fork_image) = if share_vm {
            (Some(self.ctx.new_thread().map_err(platform_error)?), None)
        } else {
            // Only this thread may touch the memory while it is copied: one thread, and no
            // other holder of the address space than this task and its /proc view (a
            // CLONE_VM child would be one).
            let sole_user = {
                let p = self.process.lock();
                let in_view = p
                    .view
                    .as_ref()
                    .is_some_and(|v| Arc::ptr_eq(&v.mm, &self.mm));
                p.threads == 1 && Arc::strong_count(&self.mm) == 1 + usize::from(in_view)
            };
            let (child, image) = self.mm.fork(&mut *self.ctx, sole_user)?;
            (Some(child), Some(image))
        };
        // A new thread or process starts with its creator's CPU affinity.
        let affinity = self.process.lock().affinity.get(&self.tid).cloned();
        let process = if thread {
            let mut p = self.process.lock();
            p.threads += 1;
            if let Some(mask) = affinity {
                p.affinity.insert(tid, mask);
            }
            drop(p);
            self.process.clone()
        } else {
            let (ppid, pgid, sid, actions, exe, ctty) = {
                let p = self.process.lock();
                let ppid = if flags & CLONE_PARENT != 0 {
                    p.ppid
                } else {
                    self.process.pid
                };
                (
                    ppid,
                    p.pgid,
                    p.sid,
                    p.actions,
                    p.exe.clone(),
                    p.ctty.clone(),
                )
            };
            // A fork keeps its parent's CPU, nice value and I/O priority.
            let (cpu, nice, ioprio, personality) = {
                let p = self.process.lock();
                (p.cpu, p.nice, p.ioprio, p.personality)
            };
            let child = Process::new(tid, ppid, pgid, sid);
            {
                let mut c = child.lock();
                c.actions = actions;
                c.exe = exe;
                c.ctty = ctty;
                c.exit_signal = args.exit_signal;
                c.nice = nice;
                c.ioprio = ioprio;
                c.personality = personality;
                c.cpu = cpu;
                if let Some(mask) = affinity {
                    c.affinity.insert(tid, mask);
                }
                c.vfork_done = flags & CLONE_VFORK == 0;
            }
            child
        };
        let mut regs = self.regs;
        regs.0.rax = 0;
        if args.stack != 0 {
            regs.0.rsp = args.stack;
        }
        if flags & CLONE_SETTLS != 0 {
            regs.0.fs_base = args.tls;
        }
        let fds = if flags & CLONE_FILES != 0 {
            self.fds.clone()
        } else {
            Arc::new(Mutex::new(self.fds().clone()))
        };
        let fs = if flags & CLONE_FS != 0 {
            self.fs.clone()
        } else {
            Arc::new(Mutex::new(self.fs().clone()))
        };
        let parent_mm = self.mm.clone();
        let parent_view = self.process.lock().view.clone();
        let cred = self.cred.clone();
        let (exe, comm, mut signals, rlimits, mempolicy) = (
            self.exe.clone(),
            self.comm.clone(),
            self.signals.clone(),
            self.rlimits,
            self.mempolicy,
        );
        // A thread (CLONE_VM without CLONE_VFORK) does not get its parent's alternate signal
        // stack, which the parent may be running on (sigaltstack(2)); a fork or vfork does.
        if share_vm && flags & CLONE_VFORK == 0 {
            signals.altstack = Default::default();
        }
        // The child inherits the mask; its pending set starts empty.
        let child_sig = Arc::new(crate::kernel::signal::ThreadSignals::default());
        child_sig.set_mask(self.sig.mask());
        // Threads and forks keep the seccomp filters.
        child_sig.set_seccomp(self.sig.seccomp());
        // A traced parent whose tracer asked for this kind of event (PTRACE_O_TRACEFORK,
        // _VFORK, _CLONE): the child is traced by the same tracer, and stops before it runs
        // any app code; the parent stops with the event once the child exists.
        let traced_event = self.traced_clone_event(flags, args.exit_signal);
        if let Some((parent_trace, _)) = &traced_event {
            let (seized, options) = {
                let s = parent_trace.state();
                (s.seized, s.options)
            };
            let child_trace = Arc::new(super::ptrace::Tracee {
                tid,
                process: process.clone(),
                tracer: parent_trace.tracer,
                state: Default::default(),
            });
            {
                let mut s = child_trace.state();
                s.seized = seized;
                s.options = options;
                // A seized tracer's new tracee reports PTRACE_EVENT_STOP, an attached
                // one's a SIGSTOP.
                s.requested = Some(if seized { super::ptrace::EVENT_STOP } else { 0 });
            }
            if self.kernel.tracees.insert(child_trace) {
                let stop = SigInfo::sent(libc::SIGSTOP, super::ptrace::STOP_CODE, 0, 0);
                child_sig.pending().add(stop);
                child_sig
                    .maybe_pending
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let child_process = process.clone();
        let args = *args;
        let (ready_tx, ready_rx) = mpsc::channel::<Result<i32, Errno>>();
        let (go_tx, go_rx) = mpsc::channel::<bool>();
        if thread {
            // Registered before it can run (see below); undone if it cannot start.
            self.kernel.insert_thread(tid, process.clone());
            // CLONE_PARENT_SETTID is written before the child may run: a child that ended
            // at once must not find its cleared tid overwritten afterwards (a joiner would
            // hang). (Linux ignores a bad pointer here, as we do.)
            if flags & CLONE_PARENT_SETTID != 0 {
                let _ = self.mm.write_val(args.parent_tid, &tid);
            }
        }
        let spawned = super::workers::spawn(format!("task-{tid}"), move || {
            let setup = || -> Result<Task, Errno> {
                let ctx = match new_thread {
                    Some(t) => kernel.platform.adopt(t),
                    None => kernel.platform.new_address_space(&kernel.mem),
                }
                .map_err(platform_error)?;
                let mm = if share_vm {
                    parent_mm
                } else {
                    let image = fork_image.ok_or(Errno::ENOMEM)?;
                    Arc::new(MemoryManager::forked(kernel.mem.clone(), image))
                };
                if flags & CLONE_CHILD_SETTID != 0 {
                    mm.write_val(args.child_tid, &tid)?;
                }
                Ok(Task {
                    kernel: kernel.clone(),
                    tid,
                    process: child_process,
                    regs,
                    ctx,
                    mm,
                    fds,
                    fs,
                    exe,
                    comm,
                    signals,
                    sig: child_sig,
                    restart: None,
                    rlimits,
                    cred,
                    clear_child_tid: if flags & CLONE_CHILD_CLEARTID != 0 {
                        args.child_tid
                    } else {
                        0
                    },
                    robust_list: (0, 0),
                    exit: None,
                    place_in: 0,
                    last_write_fault: None,
                    mempolicy,
                })
            };
            let mut task = match setup() {
                Ok(task) => task,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            if !thread {
                if let Some(v) = parent_view {
                    task.publish(v.cmdline, v.environ, v.auxv, v.exe);
                }
            }
            let _ = ready_tx.send(Ok(task.ctx.host_pid()));
            // Run only once the parent has registered us (a thread is registered before it
            // is started: one hand-off less on the hot path of pthread_create).
            if !thread && go_rx.recv() != Ok(true) {
                return;
            }
            let status = task.run().unwrap_or_else(|e| {
                tracing::error!("task {tid}: {e}");
                ExitStatus::Signaled(libc::SIGKILL)
            });
            task.exit_process(status);
            super::process::clear_current();
        });
        let failed = |e: Errno| {
            if thread {
                self.kernel.forget_thread(tid);
                let mut p = self.process.lock();
                p.threads -= 1;
                p.affinity.remove(&tid);
            }
            Err(e)
        };
        if spawned.is_err() {
            return failed(Errno::EAGAIN);
        }
        let host_pid = match ready_rx.recv().unwrap_or(Err(Errno::ENOMEM)) {
            Ok(pid) => pid,
            Err(e) => return failed(e),
        };
        if thread {
            // Registered above; it runs already.
            return Ok(process);
        } else {
            process.lock().host_pid = host_pid;
            let ppid = process.lock().ppid;
            let _tree = self
                .kernel
                .tree_lock
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            self.kernel.insert_process(process.clone());
            if let Some(parent) = self.kernel.process(ppid) {
                parent.lock().children.push(tid);
            }
            // A kill of the whole group that got the parent already (SIGKILL) gets the
            // child too, as if it had been there (Linux fails such a fork instead).
            if self.process.lock().group_exit.is_some() {
                let kill = SigInfo::sent(libc::SIGKILL, 0x80, 0, 0);
                self.kernel.send_process(&process, kill);
            }
        }
        // CLONE_PARENT_SETTID is written before the child may run: a child that ended at
        // once must not find its cleared tid overwritten afterwards (a joiner would hang).
        // (Linux ignores a bad pointer here, as we do.)
        if flags & CLONE_PARENT_SETTID != 0 {
            let _ = self.mm.write_val(args.parent_tid, &tid);
        }
        let _ = go_tx.send(true);
        if let Some((parent_trace, event)) = traced_event {
            parent_trace.state().event_msg = tid as u64;
            let info = SigInfo {
                signo: libc::SIGTRAP,
                code: libc::SIGTRAP | (event << 8),
                ..SigInfo::default()
            };
            let sig = self.ptrace_stop(&parent_trace, libc::SIGTRAP, event, info);
            if sig > 0 {
                self.sig
                    .pending()
                    .add(SigInfo::sent(sig, super::signal::SI_USER, 0, 0));
            }
        }
        Ok(process)
    }

    /// The ptrace event a clone with `flags` reports, if this thread is traced and its
    /// tracer asked for it (as copy_process chooses it): vfork, fork (a SIGCHLD child) or
    /// clone (any other, threads included); none with CLONE_UNTRACED.
    fn traced_clone_event(
        &self,
        flags: u64,
        exit_signal: i32,
    ) -> Option<(Arc<super::ptrace::Tracee>, i32)> {
        use super::ptrace::{
            EVENT_CLONE, EVENT_FORK, EVENT_VFORK, O_TRACECLONE, O_TRACEFORK, O_TRACEVFORK,
        };
        if flags & libc::CLONE_UNTRACED as u64 != 0 {
            return None;
        }
        let t = self.kernel.tracees.get(self.tid)?;
        let (event, option) = if flags & CLONE_VFORK != 0 {
            (EVENT_VFORK, O_TRACEVFORK)
        } else if exit_signal == libc::SIGCHLD {
            (EVENT_FORK, O_TRACEFORK)
        } else {
            (EVENT_CLONE, O_TRACECLONE)
        };
        let wanted = t.state().options & option != 0;
        wanted.then_some((t, event))
    }
}
