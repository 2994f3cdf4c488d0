//! One file per command.

pub mod do_cmd;
pub mod gofer;
pub mod tty;
