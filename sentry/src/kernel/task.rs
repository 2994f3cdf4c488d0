//! A task: one app thread, served by one sentry thread, and the state it runs against.

use std::sync::{Arc, Mutex, MutexGuard};

use platform::{Context, PlatformError, Regs, Trap};

use super::process::{set_current, Process};
use super::signal::{SigInfo, ThreadSignals};
use super::{ExitStatus, Kernel};
use crate::fs::host::HostFile;
use crate::fs::{FdTable, File};
use crate::loader::{ExecArgs, Loaded};
use crate::mm::MemoryManager;
use crate::syscalls;

/// si_code of SIGCHLD for a child that exited, or was killed (the sandbox writes no core
/// files, so never CLD_DUMPED).
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;

/// Resource limits, indexed by `RLIMIT_*`.
pub const RLIM_NLIMITS: usize = 16;

/// The file-system context: root, working directory and umask (shared with CLONE_FS).
#[derive(Clone)]
pub struct FsContext {
    pub root: crate::vfs::Path,
    pub cwd: crate::vfs::Path,
    pub umask: u32,
}

/// One app thread.
pub struct Task {
    pub kernel: Arc<Kernel>,
    /// The sandbox's own ids: the first process is PID 1.
    pub tid: i32,
    pub process: Arc<Process>,
    pub regs: Regs,
    /// The platform's stub thread that runs this task.
    pub ctx: Box<dyn Context>,
    pub mm: Arc<MemoryManager>,
    pub fds: Arc<Mutex<FdTable>>,
    pub fs: Arc<Mutex<FsContext>>,
    /// The executable's absolute path: /proc/self/exe.
    pub exe: String,
    /// The thread's name (comm), 15 bytes at most.
    pub comm: Vec<u8>,
    /// The alternate signal stack and sigsuspend's saved mask.
    pub signals: super::SignalState,
    /// The mask and pending signals, which senders touch.
    pub sig: Arc<ThreadSignals>,
    /// A syscall that was interrupted and asks to be restarted (ERESTARTSYS and kin), settled
    /// when signals are delivered.
    pub restart: Option<crate::errno::Errno>,
    pub rlimits: [libc::rlimit; RLIM_NLIMITS],
    /// User and group ids and capabilities.
    pub cred: super::cred::Cred,
    pub clear_child_tid: u64,
    pub robust_list: (u64, u64),
    /// Set when the task has exited; the run loop returns it.
    pub exit: Option<ExitStatus>,
    /// Syscalls left before a freshly exec'd process is placed on a CPU (`place`); 0: none
    /// pending.
    pub place_in: u32,
    /// The write fault the last trap was, if it was one (see
    /// `MemoryManager::resolve_write_fault`).
    pub last_write_fault: Option<crate::mm::WriteFault>,
    /// set_mempolicy's policy; inherited by threads and forks.
    pub mempolicy: crate::mm::MemPolicy,
}

/// EFLAGS.TF: the CPU traps after the next instruction (PTRACE_SINGLESTEP).
const TRAP_FLAG: u64 = 0x100;

/// How many syscalls a new program makes before it is placed on a CPU of its own: enough that
/// a short-lived one (`/bin/true`, `test`) ends where its parent waits, instead of paying a
/// migration and a wake-up across CPUs.
const PLACE_AFTER_SYSCALLS: u32 = 60;

fn host_rlimits() -> [libc::rlimit; RLIM_NLIMITS] {
    let mut limits = [libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    }; RLIM_NLIMITS];
    for (i, l) in limits.iter_mut().enumerate() {
        // SAFETY: getrlimit writes one rlimit to a valid pointer; unknown resources fail
        // harmlessly and keep the default.
        unsafe { libc::getrlimit(i as _, l) };
    }
    limits
}

/// The name of an executable as comm shows it: its last path component, 15 bytes at most.
fn comm_of(path: &str) -> Vec<u8> {
    let name = path.rsplit('/').next().unwrap_or(path).as_bytes();
    name[..name.len().min(15)].to_vec()
}

/// The strace line of the sandbox's first execve, which the sentry makes itself.
pub fn format_initial_exec(args: &ExecArgs) -> String {
    let q = |s: &[u8]| format!("{:?}", String::from_utf8_lossy(s));
    let argv: Vec<String> = args.argv.iter().map(|a| q(a)).collect();
    format!(
        "execve({}, [{}], {:#x} /* {} vars */) = 0",
        q(&args.filename),
        argv.join(", "),
        0,
        args.envp.len()
    )
}

impl Task {
    /// The sandbox's first task, PID 1, with the sentry's stdin, stdout and stderr, or
    /// `stdio` (the sandbox's own terminal) as all three.
    pub fn new_init(
        kernel: Arc<Kernel>,
        pid: i32,
        loaded: Loaded,
        fs: FsContext,
        stdio: Option<Arc<File>>,
    ) -> Task {
        let mut fds = FdTable::default();
        if let Some(file) = stdio {
            // One open file description, as a shell's terminal is.
            for fd in 0..3 {
                fds.put(fd, file.clone(), false);
            }
        } else {
            for fd in 0..3 {
                if let Some((file, flags)) = HostFile::from_stdio(fd) {
                    fds.put(fd as usize, File::new(Arc::new(file), flags), false);
                }
            }
        }
        let process = Process::new(pid, 0, pid, pid);
        {
            let mut p = process.lock();
            p.cpu = kernel.pin_cpu;
            p.host_pid = loaded.ctx.host_pid();
            p.exe = loaded.exe.clone();
        }
        kernel.insert_process(process.clone());
        let kernel_cred = kernel.initial_cred();
        let task = Task {
            kernel,
            tid: pid,
            process,
            regs: loaded.regs,
            ctx: loaded.ctx,
            mm: loaded.mm,
            fds: Arc::new(Mutex::new(fds)),
            fs: Arc::new(Mutex::new(fs)),
            comm: comm_of(&loaded.exe),
            exe: loaded.exe,
            signals: super::SignalState::default(),
            sig: Arc::new(ThreadSignals::default()),
            restart: None,
            rlimits: host_rlimits(),
            cred: kernel_cred,
            clear_child_tid: 0,
            robust_list: (0, 0),
            exit: None,
            place_in: 0,
            last_write_fault: None,
            mempolicy: crate::mm::MemPolicy::default(),
        };
        task.publish(
            loaded.cmdline.into(),
            loaded.environ.into(),
            loaded.auxv.into(),
            Some(loaded.exe_path),
        );
        task
    }

    /// The fd table, locked.
    pub fn fds(&self) -> MutexGuard<'_, FdTable> {
        self.fds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The working directory and umask, locked.
    pub fn fs(&self) -> MutexGuard<'_, FsContext> {
        self.fs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The ids file permissions are checked against.
    pub fn creds(&self) -> crate::vfs::Creds {
        self.cred.fs()
    }

    /// A path-resolution context: this task's root, working directory and ids.
    pub fn lookup(&self) -> crate::vfs::Lookup<'_> {
        let (root, cwd) = {
            let fs = self.fs();
            (fs.root.clone(), fs.cwd.clone())
        };
        crate::vfs::Lookup {
            vfs: &self.kernel.vfs,
            resolve: 0,
            root,
            cwd,
            creds: self.creds(),
        }
    }

    /// The working directory as getcwd shows it.
    pub fn cwd_string(&self) -> String {
        let fs = self.fs();
        self.kernel.vfs.path_string(&fs.cwd, &fs.root)
    }

    /// Replaces this task's credentials (the set*id calls, capset).
    pub fn set_cred(&mut self, cred: super::cred::Cred) {
        if self.tid == self.process.pid {
            self.process.lock().cred = Some(cred.clone());
        }
        self.cred = cred;
    }

    /// Publishes this task's tables as its process's /proc view.
    pub fn publish(
        &self,
        cmdline: Arc<[u8]>,
        environ: Arc<[u8]>,
        auxv: Arc<[u8]>,
        exe: Option<crate::vfs::Path>,
    ) {
        let mut p = self.process.lock();
        p.cred = Some(self.cred.clone());
        let start = p
            .view
            .as_ref()
            .map_or_else(|| self.kernel.boot.elapsed(), |v| v.start);
        let old = p.view.replace(super::process::ProcView {
            fds: self.fds.clone(),
            fs: self.fs.clone(),
            mm: self.mm.clone(),
            cmdline,
            environ,
            auxv,
            comm: self.comm.clone(),
            exe,
            start,
        });
        // The old tables may hold the last reference to files whose close takes process
        // locks (a pty master): let them go after this one.
        drop(p);
        drop(old);
    }

    /// Updates the name /proc shows (prctl PR_SET_NAME of the main thread).
    pub fn publish_comm(&self) {
        if self.tid != self.process.pid {
            return;
        }
        if let Some(v) = self.process.lock().view.as_mut() {
            v.comm = self.comm.clone();
        }
    }

    /// Chooses the CPU of a new program (`PLACE_AFTER_SYSCALLS` into it, while it has one
    /// thread): the one with the fewest of the sandbox's live processes, staying put on a tie.
    /// A fork stays on its parent's CPU (they often talk, and a wake-up on the other vCPU
    /// costs tens of µs); a new program that lives a while is a new piece of work, and with it
    /// the sandbox uses every CPU it may (`make -j2`, a pipeline, a server and its client).
    fn place(&mut self) {
        let cpus = &self.kernel.cpus;
        if cpus.len() < 2 {
            return;
        }
        let here = {
            let p = self.process.lock();
            match p.cpu {
                Some(cpu) if p.thread_signals.len() == 1 => cpu,
                _ => return,
            }
        };
        let mut load = vec![0usize; cpus.len()];
        for p in self.kernel.processes() {
            if p.pid == self.process.pid {
                continue;
            }
            let s = p.lock();
            if s.exit.is_some() {
                continue;
            }
            if let Some(i) = s.cpu.and_then(|c| cpus.iter().position(|&x| x == c)) {
                load[i] += 1;
            }
        }
        let Some(at) = cpus.iter().position(|&c| c == here) else {
            return;
        };
        let best = (0..cpus.len()).min_by_key(|&i| load[i]).unwrap_or(at);
        if load[best] >= load[at] {
            return;
        }
        let cpu = cpus[best];
        match self.ctx.migrate(cpu) {
            Ok(()) => self.process.lock().cpu = Some(cpu),
            Err(e) => tracing::warn!(
                "could not move process {} to CPU {cpu}: {e}",
                self.process.pid
            ),
        }
    }

    /// Replaces the program (execve succeeded): new address space, close-on-exec fds closed,
    /// handlers reset, and a vfork parent let go.
    pub fn exec(&mut self, loaded: Loaded) {
        // ITIMER_VIRTUAL and ITIMER_PROF count the stub's CPU time, which starts again from
        // zero in the new stub: carry their time left over (read while the old stub lives).
        let cpu_itimers: Vec<_> = {
            let timers = self.process.timers();
            timers.itimers[1..].iter().flatten().cloned().collect()
        };
        let left: Vec<_> = cpu_itimers.iter().map(|t| t.get()).collect();
        self.ctx = loaded.ctx;
        self.mm = loaded.mm;
        self.regs = loaded.regs;
        self.comm = comm_of(&loaded.exe);
        self.exe = loaded.exe.clone();
        // A vfork child shares its parent's fd table until it execs.
        let fds = self.fds().clone();
        self.fds = Arc::new(Mutex::new(fds));
        self.fds().close_on_exec();
        self.clear_child_tid = 0;
        self.robust_list = (0, 0);
        // execve clears the alternate signal stack (sigaltstack(2)): it lay in the old image.
        self.signals.altstack = Default::default();
        let mut p = self.process.lock();
        p.host_pid = self.ctx.host_pid();
        p.exe = loaded.exe;
        super::signal::reset_for_exec(&mut p.actions);
        drop(p);
        self.place_in = PLACE_AFTER_SYSCALLS;
        // A traced thread stops after a successful exec: PTRACE_EVENT_EXEC with
        // PTRACE_O_TRACEEXEC, else the SIGTRAP of old.
        if let Some(t) = self.kernel.tracees.get(self.tid) {
            if t.state().options & super::ptrace::O_TRACEEXEC != 0 {
                t.state().event_msg = self.tid as u64;
                let info = SigInfo {
                    signo: libc::SIGTRAP,
                    code: libc::SIGTRAP | (super::ptrace::EVENT_EXEC << 8),
                    ..SigInfo::default()
                };
                let sig = self.ptrace_stop(&t, libc::SIGTRAP, super::ptrace::EVENT_EXEC, info);
                if sig > 0 {
                    self.sig
                        .pending()
                        .add(SigInfo::sent(sig, super::signal::SI_USER, 0, 0));
                }
            } else {
                let trap = SigInfo::sent(libc::SIGTRAP, super::signal::SI_USER, 0, 0);
                self.sig.pending().add(trap);
                self.sig
                    .maybe_pending
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        // POSIX timers go with the old image; itimers (alarm) stay (execve(2)).
        self.process.timers().delete_posix();
        for (t, (left, interval)) in cpu_itimers.iter().zip(left) {
            if let (Some(left), Some(now)) = (left, t.clock.now()) {
                t.set(now + left, interval);
            }
        }
        *self.sig.kicker.lock().unwrap_or_else(|e| e.into_inner()) = self.ctx.kicker();
        self.publish(
            loaded.cmdline.into(),
            loaded.environ.into(),
            loaded.auxv.into(),
            Some(loaded.exe_path),
        );
        self.release_vfork_parent();
    }

    /// Lets a parent waiting in vfork go on (the child exec'd or exited).
    pub fn release_vfork_parent(&self) {
        let ppid = {
            let mut p = self.process.lock();
            if p.vfork_done {
                return;
            }
            p.vfork_done = true;
            p.ppid
        };
        if let Some(parent) = self.kernel.process(ppid) {
            let _guard = parent.lock();
            parent.event.notify_all();
        }
    }

    /// Registers this task's signal state with its process and the calling sentry thread.
    fn register(&self) {
        *self.sig.kicker.lock().unwrap_or_else(|e| e.into_inner()) = self.ctx.kicker();
        self.process
            .lock()
            .thread_signals
            .insert(self.tid, self.sig.clone());
        set_current(self.process.clone(), self.tid, self.sig.clone());
    }

    /// Runs the task until it exits; returns how.
    pub fn run(&mut self) -> Result<ExitStatus, PlatformError> {
        self.register();
        loop {
            // Before looking for signals (see ThreadSignals::in_app).
            self.sig
                .in_app
                .store(true, std::sync::atomic::Ordering::SeqCst);
            if self
                .sig
                .maybe_pending
                .load(std::sync::atomic::Ordering::SeqCst)
                || self.restart.is_some()
            {
                self.deliver_signals();
            }
            if self.exit.is_none() {
                let stopped = {
                    let p = self.process.lock();
                    self.exit = p.group_exit;
                    p.stopped
                };
                if stopped && self.exit.is_none() {
                    // A group stop: this thread stops before it returns to the app.
                    self.park();
                    continue;
                }
            }
            if let Some(status) = self.exit {
                return Ok(status);
            }
            // Copy-on-write breaks the sentry made for this address space reach the stub
            // before the app runs again.
            if let Err(e) = self.mm.lock().sync_host(&mut *self.ctx) {
                tracing::error!(
                    "task {}: remapping after a copy-on-write break: {e}",
                    self.tid
                );
            }
            let trap = self.ctx.switch(&mut self.regs);
            self.sig
                .in_app
                .store(false, std::sync::atomic::Ordering::SeqCst);
            let trap = trap?;
            match trap {
                Trap::Syscall => {
                    self.last_write_fault = None;
                    if self.place_in > 0 {
                        self.place_in -= 1;
                        if self.place_in == 0 {
                            self.place();
                        }
                    }
                    syscalls::dispatch(self)
                }
                Trap::Kick => {}
                Trap::Signal(info) => self.host_signal(info),
                Trap::Died => {
                    let group = self.process.lock().group_exit;
                    if group.is_none() {
                        tracing::warn!("the stub was killed from outside the sandbox");
                    }
                    self.exit = Some(group.unwrap_or(ExitStatus::Signaled(libc::SIGKILL)));
                }
            }
        }
    }

    /// A host signal for the app's thread: a fault of its own, delivered now, or a signal
    /// from outside the sandbox, which goes to the process.
    fn host_signal(&mut self, info: platform::SignalInfo) {
        // A write to copy-on-write pages (SEGV_ACCERR): copy them, and retry the write.
        const SEGV_ACCERR: i32 = 2;
        if info.signo == libc::SIGSEGV && info.code == SEGV_ACCERR {
            // A repeat of the last fault, with nothing between, is the app's own.
            let resolved = self.mm.lock().resolve_write_fault(
                &mut *self.ctx,
                info.addr,
                &mut self.last_write_fault,
            );
            match resolved {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => tracing::error!("task {}: copy-on-write break: {e}", self.tid),
            }
        }
        let fault = info.code > 0 || info.code == libc::SI_KERNEL;
        tracing::debug!(?info, fault, "host signal for the app");
        if !fault {
            let from_outside = SigInfo::sent(info.signo, super::signal::SI_USER, 0, 0);
            self.kernel.send_process(&self.process, from_outside);
            return;
        }
        let sig = SigInfo {
            signo: info.signo,
            code: info.code,
            addr: info.addr,
            ..SigInfo::default()
        };
        // The end of a ptrace single step: the trap flag goes again.
        const TRAP_TRACE: i32 = 2;
        if info.signo == libc::SIGTRAP && info.code == TRAP_TRACE {
            self.regs.0.eflags &= !TRAP_FLAG;
        }
        // A fault cannot be blocked or ignored: if it is, Linux resets it to the default
        // action (death).
        let action = self.process.lock().actions[(info.signo - 1) as usize];
        let blocked = self.sig.mask() & super::signal::sig_bit(info.signo) != 0;
        if !blocked && self.kernel.tracees.get(self.tid).is_some() {
            // A traced thread's fault goes through its signal-delivery-stop first, with the
            // registers of the faulting instruction (debuggers' breakpoints, gdb's probes).
            self.sig.pending().add(sig);
            self.sig
                .maybe_pending
                .store(true, std::sync::atomic::Ordering::SeqCst);
            return;
        }
        if action.handler > super::signal::SIG_IGN && !blocked {
            self.run_handler(&sig, &action);
        } else {
            self.exit_group(ExitStatus::Signaled(info.signo));
        }
    }

    /// Runs `action`'s handler for `info`: settles an interrupted syscall, pushes the frame.
    fn run_handler(&mut self, info: &SigInfo, action: &super::SigAction) {
        if let Some(code) = self.restart.take() {
            let restart = match code.0 {
                super::super::errno::ERESTARTSYS => action.flags & libc::SA_RESTART as u64 != 0,
                super::super::errno::ERESTARTNOINTR => true,
                _ => false,
            };
            if restart {
                self.restart_syscall();
            } else {
                self.regs.0.rax = (-libc::EINTR) as u64;
            }
        }
        if action.flags & libc::SA_RESETHAND as u64 != 0 {
            self.process.lock().actions[(info.signo - 1) as usize] = super::SigAction::default();
        }
        if self.push_signal_frame(info, action).is_err() {
            self.exit_group(ExitStatus::Signaled(libc::SIGSEGV));
        }
    }

    /// Makes the interrupted syscall run again when the app resumes.
    fn restart_syscall(&mut self) {
        self.regs.0.rax = self.regs.0.orig_rax;
        self.regs.0.rip -= 2;
    }

    /// Delivers every deliverable pending signal: handlers get frames (stacked, the last on
    /// top), default actions are carried out.
    fn deliver_signals(&mut self) {
        use std::sync::atomic::Ordering;
        self.sig.maybe_pending.store(false, Ordering::SeqCst);
        loop {
            let blocked = self.sig.mask();
            let Some(info) = self.take_signal(blocked) else {
                break;
            };
            let info = match self.kernel.tracees.get(self.tid) {
                // An attach's or an interrupt's stop: a signal the tracer passes on waits
                // for the next round.
                Some(t) if info.code == super::ptrace::STOP_CODE => {
                    let event = t.state().requested.take();
                    if let Some(event) = event {
                        // An interrupt reports SIGTRAP with PTRACE_EVENT_STOP, an attach
                        // the SIGSTOP.
                        let stop_sig = if event == super::ptrace::EVENT_STOP {
                            libc::SIGTRAP
                        } else {
                            libc::SIGSTOP
                        };
                        let sig = self.ptrace_stop(&t, stop_sig, event, info);
                        if sig > 0 {
                            let info = SigInfo::sent(sig, super::signal::SI_USER, 0, 0);
                            self.sig.pending().add(info);
                        }
                    }
                    if self.exit.is_some() {
                        return;
                    }
                    continue;
                }
                // A traced thread's signal-delivery-stop: the tracer decides what, if
                // anything, is delivered.
                Some(t) => {
                    let sig = self.ptrace_stop(&t, info.signo, 0, info);
                    if self.exit.is_some() {
                        return;
                    }
                    match sig {
                        0 => continue,
                        s if s == info.signo => info,
                        s => SigInfo::sent(s, super::signal::SI_USER, 0, 0),
                    }
                }
                None if info.code == super::ptrace::STOP_CODE => continue,
                None => info,
            };
            let action = self.process.lock().actions[(info.signo - 1) as usize];
            match action.handler {
                super::signal::SIG_IGN => continue,
                super::signal::SIG_DFL => match super::signal::default_action(info.signo) {
                    super::signal::DefaultAction::Terminate
                    | super::signal::DefaultAction::CoreDump => {
                        self.exit_group(ExitStatus::Signaled(info.signo));
                        return;
                    }
                    super::signal::DefaultAction::Stop => {
                        // SIGTSTP, SIGTTIN and SIGTTOU cannot stop a process of an orphaned
                        // group, whose stop no shell would ever undo: discarded (signal(7)).
                        let pgid = self.process.lock().pgid;
                        if info.signo != libc::SIGSTOP && self.kernel.pgrp_orphaned(pgid, 0) {
                            continue;
                        }
                        self.group_stop(info.signo);
                    }
                    _ => {}
                },
                _ => self.run_handler(&info, &action),
            }
            if self.exit.is_some() {
                return;
            }
        }
        if self.restart.take().is_some() {
            // No handler ran: the interrupted call goes on as if nothing happened.
            self.restart_syscall();
        }
        if let Some(mask) = self.signals.saved_mask.take() {
            self.sig.set_mask(mask);
        }
    }

    /// A ptrace-stop (see `kernel::ptrace`) reporting `sig` and `event` to the tracer, with
    /// `info` for PTRACE_GETSIGINFO: publishes the registers, FP state and address space for
    /// the tracer, tells it, and waits, running no app code, until the tracer resumes or
    /// detaches it (or the process is killed). Returns the signal the tracer passes on (0:
    /// none).
    pub fn ptrace_stop(
        &mut self,
        tracee: &Arc<super::ptrace::Tracee>,
        sig: i32,
        event: i32,
        info: SigInfo,
    ) -> i32 {
        let fp = self.ctx.fp_state().unwrap_or_default();
        {
            let mut s = tracee.state();
            s.stop = Some(super::ptrace::Stop { sig, event, info });
            s.reported = false;
            s.resume = None;
            s.regs = self.regs;
            s.regs_changed = false;
            s.fp = fp;
            s.mm = Some(self.mm.clone());
        }
        if let Some(tracer) = self.kernel.process(tracee.tracer) {
            {
                let _guard = tracer.lock();
                tracer.event.notify_all();
            }
            // The tracer also gets SIGCHLD (CLD_TRAPPED), as do_notify_parent_cldstop sends
            // it: event loops (gdb's) wait for that rather than in waitpid.
            let info = SigInfo {
                signo: libc::SIGCHLD,
                code: libc::CLD_TRAPPED,
                pid: self.tid,
                uid: self.cred.ruid,
                status: sig & 0x7f,
                ..SigInfo::default()
            };
            self.kernel.send_process(&tracer, info);
        }
        let resume = loop {
            let p = self.process.lock();
            // SIGKILL ends any stop; a group exit ends all but the exit stop itself.
            let killed = p.group_exit == Some(ExitStatus::Signaled(libc::SIGKILL));
            if killed || (p.group_exit.is_some() && event != super::ptrace::EVENT_EXIT) {
                self.exit = p.group_exit;
                break None;
            }
            if let Some(r) = tracee.state().resume.take() {
                break Some(r);
            }
            drop(self.process.wait_event(p));
        };
        let (regs, changed, fp) = {
            let mut s = tracee.state();
            s.stop = None;
            s.mm = None;
            (s.regs, s.regs_changed, std::mem::take(&mut s.fp))
        };
        if changed {
            self.regs = regs;
            // A changed register set is the tracer's: no restart rewinds it.
            self.restart = None;
        }
        drop(fp);
        tracee.state().syscall = matches!(resume, Some(super::ptrace::Resume::Syscall(_)));
        // A single step: the trap flag, which the step's SIGTRAP clears again (see
        // host_signal), so the tracee never sees it.
        if matches!(resume, Some(super::ptrace::Resume::Step(_))) {
            self.regs.0.eflags |= TRAP_FLAG;
        }
        match resume {
            Some(
                super::ptrace::Resume::Cont(sig)
                | super::ptrace::Resume::Syscall(sig)
                | super::ptrace::Resume::Step(sig),
            ) => sig,
            Some(super::ptrace::Resume::Detach(sig)) => {
                self.kernel.tracees.remove_this(tracee);
                sig
            }
            None => 0,
        }
    }

    /// Stops every thread of the process with `sig` (a stop signal's default action): the
    /// others park on their way back to the app, the parent is told, and this thread parks
    /// until SIGCONT or SIGKILL.
    fn group_stop(&mut self, sig: i32) {
        let threads: Vec<_> = {
            let mut p = self.process.lock();
            if p.group_exit.is_some() {
                return;
            }
            p.stopped = true;
            p.cont_report = false;
            p.thread_signals.values().cloned().collect()
        };
        for t in threads {
            if !Arc::ptr_eq(&t, &self.sig) {
                t.notify();
            }
        }
        self.kernel
            .notify_parent_cldstop(&self.process, super::CLD_STOPPED, sig);
        self.park();
    }

    /// Waits, running no app code and holding no lock but the wait's, until the process is
    /// continued or killed.
    fn park(&mut self) {
        let mut p = self.process.lock();
        while p.stopped && p.group_exit.is_none() {
            p = self.process.wait_event(p);
        }
        if self.exit.is_none() {
            self.exit = p.group_exit;
        }
    }

    /// Takes the next pending signal not in `blocked`, the thread's before the process's,
    /// with a POSIX timer's overrun count filled in.
    pub fn take_signal(&self, blocked: u64) -> Option<SigInfo> {
        let taken = self.sig.pending().take(blocked);
        let mut info = taken.or_else(|| self.process.lock().pending.take(blocked))?;
        self.process.timer_signal_taken(&mut info);
        Some(info)
    }

    /// Walks the thread's robust futex list (set_robust_list) as Linux's exit_robust_list:
    /// every lock word this thread still owns gets FUTEX_OWNER_DIED, and a waiter is woken,
    /// so that robust mutexes answer EOWNERDEAD to the next owner.
    fn release_robust_futexes(&mut self) {
        const WAITERS: u32 = 0x8000_0000;
        const OWNER_DIED: u32 = 0x4000_0000;
        const TID_MASK: u32 = 0x3fff_ffff;
        /// Linux's ROBUST_LIST_LIMIT: a loop in the list stops here.
        const LIMIT: usize = 2048;
        let (head, _) = std::mem::take(&mut self.robust_list);
        if head == 0 {
            return;
        }
        let Ok([next, offset, pending]): Result<[u64; 3], _> = self.mm.read_val(head) else {
            return;
        };
        let tid = self.tid as u32;
        let release = |entry: u64| {
            let addr = (entry & !1).wrapping_add(offset);
            let Ok(old) = self.mm.update_u32(addr, |w| {
                (w & TID_MASK == tid).then_some((w & WAITERS) | OWNER_DIED)
            }) else {
                return;
            };
            if old & TID_MASK == tid && old & WAITERS != 0 {
                if let Ok(key) = self.mm.futex_key(addr) {
                    self.kernel.futexes.wake(key, 1, u32::MAX);
                }
            }
        };
        let mut entry = next;
        let mut n = 0;
        while entry != head && entry != 0 && n < LIMIT {
            let following = self.mm.read_val::<u64>(entry & !1).unwrap_or(0);
            if entry != pending {
                release(entry);
            }
            entry = following;
            n += 1;
        }
        if pending != 0 {
            release(pending);
        }
    }

    /// Ends the task with `status`, and its process if it was the last thread (or the process
    /// is ending as a group): the process becomes a zombie for its parent to reap, and its
    /// children go to PID 1.
    pub fn exit_process(&mut self, status: ExitStatus) {
        // PTRACE_O_TRACEEXIT: the tracer sees the thread about to end, its status in
        // PTRACE_GETEVENTMSG (as wait would give it).
        if let Some(t) = self.kernel.tracees.get(self.tid) {
            if t.state().options & super::ptrace::O_TRACEEXIT != 0 {
                let status = self.process.lock().group_exit.unwrap_or(status);
                t.state().event_msg = match status {
                    ExitStatus::Exited(code) => ((code & 0xff) << 8) as u64,
                    ExitStatus::Signaled(sig) => (sig & 0x7f) as u64,
                };
                let info = SigInfo {
                    signo: libc::SIGTRAP,
                    code: libc::SIGTRAP | (super::ptrace::EVENT_EXIT << 8),
                    ..SigInfo::default()
                };
                self.ptrace_stop(&t, libc::SIGTRAP, super::ptrace::EVENT_EXIT, info);
            }
        }
        // CLONE_CHILD_CLEARTID: zero the word and wake a joiner (pthread_join), as mm_release.
        if self.clear_child_tid != 0 {
            let addr = std::mem::take(&mut self.clear_child_tid);
            if self.mm.write_val(addr, &0u32).is_ok() {
                if let Ok(key) = self.mm.futex_key(addr) {
                    self.kernel.futexes.wake(key, 1, u32::MAX);
                }
            }
        }
        self.release_robust_futexes();
        // A traced thread that ends is reported to its tracer's wait, unless the tracer is
        // the parent that reaps it anyway; then it is traced no more.
        if let Some(t) = self.kernel.tracees.get(self.tid) {
            let (parent, ended) = {
                let p = self.process.lock();
                (p.ppid, p.group_exit.unwrap_or(status))
            };
            if self.tid == self.process.pid && parent == t.tracer {
                self.kernel.tracees.remove_this(&t);
            } else {
                t.state().exited = Some(ended);
            }
            if let Some(tracer) = self.kernel.process(t.tracer) {
                let _guard = tracer.lock();
                tracer.event.notify_all();
            }
        }
        // This thread's reference to its fd table goes now, not when its sentry thread lets
        // go of the Task: a parent that has reaped the process must find its files closed
        // (Linux's exit_files, before exit_notify).
        drop(std::mem::take(&mut self.fds));
        let (last, group) = {
            let mut p = self.process.lock();
            p.threads -= 1;
            p.affinity.remove(&self.tid);
            (p.threads == 0, p.group_exit)
        };
        if last {
            // What the process used, for its parent's wait4 and RUSAGE_CHILDREN: read from
            // the stub before it goes.
            let mut used = super::process::host_usage(self.process.lock().host_pid);
            {
                let mut p = self.process.lock();
                super::process::add_usage(&mut used, &p.children_usage);
                p.usage = used;
            }
            // A zombie keeps no files and no memory: /proc's view of them goes (and with it
            // the last references to the fd table, so pipes see their writers close), and
            // so do its record locks.
            // (Dropped outside the process lock: closing a pty master signals processes.)
            let view = self.process.lock().view.take();
            drop(view);
            crate::fs::lock::release_owner(crate::fs::lock::Owner::Process(self.process.pid));
            self.kernel.ipc.exit(self.process.pid);
            // A tracer that ends lets its tracees go (PTRACE_O_EXITKILL: kills them).
            for t in self.kernel.tracees.of_tracer(self.process.pid) {
                self.kernel.tracees.remove(t.tid);
                if t.state().options & super::ptrace::O_EXITKILL != 0 {
                    let kill = SigInfo::sent(libc::SIGKILL, super::signal::SI_USER, 0, 0);
                    self.kernel.send_process(&t.process, kill);
                } else {
                    t.resume(super::ptrace::Resume::Detach(0));
                }
            }
            // Nor timers: none fires for a dead process.
            self.process.timers().delete_all();
        }
        // The address space's stub goes with its last user (a vfork child sharing its
        // parent's leaves it be); other threads' stub threads park as they go.
        if last && Arc::strong_count(&self.mm) == 1 {
            self.ctx.kill_all();
        }
        // This thread lets go of the address space now (Linux's exit_mm), so that with its
        // last user the mappings go before the parent can reap the process: a System V
        // segment's shm_nattch drops, MAP_SHARED file pages are written back.
        let empty = Arc::new(MemoryManager::new(self.mm.memory_file()));
        drop(std::mem::replace(&mut self.mm, empty));
        self.process.lock().thread_signals.remove(&self.tid);
        if self.tid != self.process.pid {
            self.kernel.remove_thread(self.tid);
        }
        if !last {
            return;
        }
        let status = group.unwrap_or(status);
        self.release_vfork_parent();
        let (ppid, children) = {
            let mut p = self.process.lock();
            p.exit = Some(status);
            (p.ppid, std::mem::take(&mut p.children))
        };
        crate::fs::tty::pty::session_leader_exit(&self.kernel, &self.process);
        self.kernel
            .reparent_to_init(self.process.pid, children.clone());
        self.kernel.kill_orphaned_pgrps(&self.process, &children);
        let Some(parent) = self.kernel.process(ppid) else {
            self.kernel.remove_process(self.process.pid);
            return;
        };
        let exit_signal = self.process.lock().exit_signal;
        {
            let mut pp = parent.lock();
            // A parent that ignores SIGCHLD (or asked SA_NOCLDWAIT) leaves no zombies.
            let act = pp.actions[(libc::SIGCHLD - 1) as usize];
            if act.handler == super::signal::SIG_IGN || act.flags & libc::SA_NOCLDWAIT as u64 != 0 {
                pp.children.retain(|&c| c != self.process.pid);
                self.kernel.remove_process(self.process.pid);
            }
            parent.event.notify_all();
        }
        if exit_signal > 0 {
            // The parent learns of the death by its exit signal (SIGCHLD), with the child's
            // pid, uid and status in the siginfo.
            let (code, value) = match status {
                ExitStatus::Exited(c) => (CLD_EXITED, c & 0xff),
                ExitStatus::Signaled(sig) => (CLD_KILLED, sig),
            };
            let info = SigInfo {
                signo: exit_signal,
                code,
                pid: self.process.pid,
                uid: self.cred.ruid,
                status: value,
                ..SigInfo::default()
            };
            self.kernel.send_process(&parent, info);
        }
    }

    /// exit_group, or a fatal signal: every thread of the process ends with `status`.
    pub fn exit_group(&mut self, status: ExitStatus) {
        let threads: Vec<_> = {
            let mut p = self.process.lock();
            if p.group_exit.is_none() {
                p.group_exit = Some(status);
            }
            self.exit = p.group_exit;
            p.thread_signals.values().cloned().collect()
        };
        // The other threads stop wherever they are: in app code (a kick makes them trap) or
        // blocked in the sentry (their waits poll for this).
        for t in threads {
            if !Arc::ptr_eq(&t, &self.sig) {
                t.notify();
            }
        }
        let _guard = self.process.lock();
        self.process.event.notify_all();
    }

    /// Sends the task a signal it raised by its own action (SIGPIPE on a broken pipe, kill of
    /// itself): delivered before it returns to the app.
    pub fn raise_self(&mut self, sig: i32) {
        let info = SigInfo::sent(
            sig,
            super::signal::SI_TKILL,
            self.process.pid,
            self.cred.ruid,
        );
        self.kernel.send_thread(&self.process, &self.sig, info);
    }

    /// The host pid of the stub, for reading its CPU clock. Never shown to the app.
    pub fn host_pid(&self) -> i32 {
        self.ctx.host_pid()
    }
}
