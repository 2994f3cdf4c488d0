//! The Blinders sentry: a Linux kernel in user space. It serves every system call of the
//! contained program from its own tables of tasks, memory and files; nothing the program asks
//! is passed through to the host kernel.

pub mod errno;
pub mod fs;
pub mod kernel;
pub mod loader;
pub mod mm;
pub mod net;
pub mod syscalls;
pub mod vfs;

pub use kernel::{run, ExitStatus, SandboxConfig, SandboxError};
