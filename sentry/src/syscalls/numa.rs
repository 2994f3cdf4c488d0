//! NUMA memory policy on the sandbox's one node: get_mempolicy, set_mempolicy, mbind. The
//! calls check their arguments and answer as Linux does on a one-node machine (what numactl,
//! libnuma and procps ask); a thread's policy is kept and reported, nothing binds memory.

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;
use crate::mm::{page_up, MemPolicy};

const MPOL_DEFAULT: i32 = 0;
const MPOL_PREFERRED: i32 = 1;
const MPOL_BIND: i32 = 2;
const MPOL_INTERLEAVE: i32 = 3;
const MPOL_LOCAL: i32 = 4;
/// One past the last mode (MPOL_PREFERRED_MANY is 5, MPOL_WEIGHTED_INTERLEAVE 6).
const MPOL_MAX: i32 = 7;
const MPOL_F_STATIC_NODES: i32 = 1 << 15;
const MPOL_F_RELATIVE_NODES: i32 = 1 << 14;
const MPOL_F_NUMA_BALANCING: i32 = 1 << 13;
const MPOL_MODE_FLAGS: i32 = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
const MPOL_PREFERRED_MANY: i32 = 5;

/// get_mempolicy's flags.
const MPOL_F_NODE: u64 = 1;
const MPOL_F_ADDR: u64 = 2;
const MPOL_F_MEMS_ALLOWED: u64 = 4;

/// mbind's flags (MPOL_MF_STRICT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_LAZY).
const MPOL_MF_MOVE_ALL: u64 = 4;
const MPOL_MF_VALID: u64 = 1 | 2 | 4 | 8;

/// The nodes there are: node 0.
const ALL_NODES: u64 = 1;
/// The largest maxnode get_nodes reads (a page of bits).
const MAX_MAXNODE: u64 = platform::PAGE_SIZE * 8;

/// A node mask from the app (get_nodes: `maxnode - 1` bits; none for a null pointer). Bits
/// past the nodes that exist are kept, so that they fail the checks as Linux's do.
fn read_nodes(task: &Task, addr: u64, maxnode: u64) -> Result<u64, Errno> {
    let bits = maxnode.saturating_sub(1);
    if addr == 0 || bits == 0 {
        return Ok(0);
    }
    if maxnode > MAX_MAXNODE {
        return Err(Errno::EINVAL);
    }
    let longs = bits.div_ceil(64) as usize;
    let mut words = vec![0u64; longs];
    for (i, w) in words.iter_mut().enumerate() {
        *w = task.mm.read_val(addr + 8 * i as u64)?;
    }
    // Bits past `bits` in the last word are not the caller's.
    if !bits.is_multiple_of(64) {
        if let Some(last) = words.last_mut() {
            *last &= (1u64 << (bits % 64)) - 1;
        }
    }
    let beyond = words.iter().skip(1).any(|&w| w != 0);
    // Any node past the first word is as absent as node 1.
    Ok(words[0] | if beyond { 2 } else { 0 })
}

/// Splits a mode argument into mode and mode flags, as sanitize_mpol_flags; EINVAL for an
/// unknown mode or a bad flag combination.
fn split_mode(arg: i32) -> Result<(i32, i32), Errno> {
    let flags = arg & MPOL_MODE_FLAGS;
    let mode = arg & !MPOL_MODE_FLAGS;
    if !(0..MPOL_MAX).contains(&mode) {
        return Err(Errno::EINVAL);
    }
    if flags & MPOL_F_STATIC_NODES != 0 && flags & MPOL_F_RELATIVE_NODES != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MPOL_F_NUMA_BALANCING != 0 && mode != MPOL_BIND && mode != MPOL_PREFERRED_MANY {
        return Err(Errno::EINVAL);
    }
    Ok((mode, flags))
}

/// The policy `mode` with `nodes` makes (mpol_new and mpol_set_nodemask on one node).
fn new_policy(mode: i32, flags: i32, nodes: u64) -> Result<MemPolicy, Errno> {
    if mode == MPOL_DEFAULT {
        return if nodes == 0 {
            Ok(MemPolicy::default())
        } else {
            Err(Errno::EINVAL)
        };
    }
    if nodes == 0 {
        // No nodes: "preferred" is local allocation; the others need some.
        return match mode {
            MPOL_PREFERRED if flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES) == 0 => {
                Ok(MemPolicy {
                    mode: MPOL_LOCAL,
                    nodes: 0,
                })
            }
            MPOL_LOCAL => Ok(MemPolicy {
                mode: MPOL_LOCAL | flags,
                nodes: 0,
            }),
            _ => Err(Errno::EINVAL),
        };
    }
    if mode == MPOL_LOCAL {
        return Err(Errno::EINVAL);
    }
    // Only nodes that exist count; none of them left is EINVAL.
    let allowed = nodes & ALL_NODES;
    if allowed == 0 && flags & MPOL_F_RELATIVE_NODES == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(MemPolicy {
        mode: mode | flags,
        nodes: if flags & MPOL_F_STATIC_NODES != 0 {
            nodes
        } else if allowed == 0 {
            // Relative nodes fold onto the ones there are.
            ALL_NODES
        } else {
            allowed
        },
    })
}

/// Writes a node mask to the app as copy_nodes_to_user: `maxnode - 1` bits, whole longs,
/// the nodes in the first.
fn write_nodes(task: &Task, addr: u64, maxnode: u64, nodes: u64) -> Result<(), Errno> {
    let longs = maxnode.saturating_sub(1).div_ceil(64) as usize;
    let mut bytes = vec![0u8; longs * 8];
    if let Some(first) = bytes.get_mut(..8) {
        first.copy_from_slice(&nodes.to_ne_bytes());
    }
    task.mm.write(addr, &bytes)
}

pub fn sys_get_mempolicy(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (mode_ptr, nmask, maxnode, addr, flags) =
        (a.u64(0), a.u64(1), a.u64(2), a.u64(3), a.u64(4));
    if flags & !(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED) != 0 {
        return Err(Errno::EINVAL);
    }
    // The mask must have room for every node (nr_node_ids, one).
    if nmask != 0 && maxnode < 1 {
        return Err(Errno::EINVAL);
    }
    let (mode, nodes) = if flags & MPOL_F_MEMS_ALLOWED != 0 {
        if flags & (MPOL_F_NODE | MPOL_F_ADDR) != 0 {
            return Err(Errno::EINVAL);
        }
        (0, ALL_NODES)
    } else if flags & MPOL_F_ADDR != 0 {
        // A mapping's own policy (mbind's) is not kept: every mapping has the default, and
        // every page is on node 0.
        if task.mm.lock().find(addr).is_none() {
            return Err(Errno::EFAULT);
        }
        (0, 0)
    } else if flags & MPOL_F_NODE != 0 {
        // The next node interleaving would use: only for an interleave policy.
        if task.mempolicy.mode & !MPOL_MODE_FLAGS != MPOL_INTERLEAVE {
            return Err(Errno::EINVAL);
        }
        (0, task.mempolicy.nodes)
    } else {
        let p = task.mempolicy;
        let nodes = match p.mode & !MPOL_MODE_FLAGS {
            MPOL_DEFAULT | MPOL_LOCAL => 0,
            _ => p.nodes,
        };
        (p.mode, nodes)
    };
    if mode_ptr != 0 {
        task.mm.write_val(mode_ptr, &mode)?;
    }
    if nmask != 0 {
        write_nodes(task, nmask, maxnode, nodes)?;
    }
    Ok(0)
}

pub fn sys_set_mempolicy(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (mode, flags) = split_mode(a.int(0))?;
    let nodes = read_nodes(task, a.u64(1), a.u64(2))?;
    task.mempolicy = new_policy(mode, flags, nodes)?;
    Ok(0)
}

pub fn sys_mbind(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (start, len, nmask, maxnode, flags) = (a.u64(0), a.u64(1), a.u64(3), a.u64(4), a.u64(5));
    let (mode, mode_flags) = split_mode(a.int(2))?;
    let nodes = read_nodes(task, nmask, maxnode)?;
    if flags & !MPOL_MF_VALID != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MPOL_MF_MOVE_ALL != 0 && !task.cred.capable(23) {
        return Err(Errno::EPERM);
    }
    if !start.is_multiple_of(platform::PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let end = page_up(len)
        .and_then(|l| start.checked_add(l))
        .ok_or(Errno::EINVAL)?;
    if end == start {
        return Ok(0);
    }
    new_policy(mode, mode_flags, nodes)?;
    // Every page of the range must be mapped (EFAULT); the policy itself is not kept.
    task.mm
        .lock()
        .check_mapped(start, end)
        .map_err(|_| Errno::EFAULT)?;
    Ok(0)
}
