//! The interface ioctls of netdevice(7) on a socket, answered for the sandbox's one
//! interface: `lo`, index 1, UP|LOOPBACK|RUNNING, 127.0.0.1/8, MTU 65536.

use crate::errno::Errno;
use crate::mm::MemoryManager;

const SIOCGIFNAME: u64 = 0x8910;
const SIOCGIFCONF: u64 = 0x8912;
const SIOCGIFFLAGS: u64 = 0x8913;
const SIOCGIFADDR: u64 = 0x8915;
const SIOCGIFNETMASK: u64 = 0x891b;
const SIOCGIFMTU: u64 = 0x8921;
const SIOCGIFHWADDR: u64 = 0x8927;
const SIOCGIFINDEX: u64 = 0x8933;
/// sizeof(struct ifreq): a 16-byte name and a 24-byte union.
const IFREQ: usize = 40;
const IFNAMSIZ: usize = 16;
/// IFF_UP | IFF_LOOPBACK | IFF_RUNNING.
const LO_FLAGS: i16 = 0x49;
const LO_MTU: i32 = 65536;
const ARPHRD_LOOPBACK: u16 = 772;

/// `struct sockaddr_in` for an IPv4 address, port 0.
fn sockaddr_in(ip: [u8; 4]) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
    v[4..8].copy_from_slice(&ip);
    v
}

fn lo_ifreq(data: &[u8]) -> [u8; IFREQ] {
    let mut r = [0u8; IFREQ];
    r[..2].copy_from_slice(b"lo");
    r[IFNAMSIZ..IFNAMSIZ + data.len()].copy_from_slice(data);
    r
}

/// The ioctl `request` on a socket, if it is an interface one; ENOTTY otherwise.
pub fn ioctl(mm: &MemoryManager, request: u64, arg: u64) -> Result<u64, Errno> {
    if request == SIOCGIFCONF {
        // struct ifconf: int ifc_len, then (at 8) the buffer's address.
        let len: i32 = mm.read_val(arg)?;
        let buf: u64 = mm.read_val(arg + 8)?;
        let entry = lo_ifreq(&sockaddr_in([127, 0, 0, 1]));
        let written = if buf == 0 {
            IFREQ
        } else if usize::try_from(len).unwrap_or(0) >= IFREQ {
            mm.write(buf, &entry)?;
            IFREQ
        } else {
            0
        };
        mm.write_val(arg, &(written as i32))?;
        return Ok(0);
    }
    if request == SIOCGIFNAME {
        let mut req = [0u8; IFREQ];
        mm.read(arg, &mut req)?;
        let index = i32::from_ne_bytes([req[16], req[17], req[18], req[19]]);
        if index != 1 {
            return Err(Errno::ENODEV);
        }
        mm.write(arg, &lo_ifreq(&1i32.to_ne_bytes()))?;
        return Ok(0);
    }
    let data: Vec<u8> = match request {
        SIOCGIFFLAGS => LO_FLAGS.to_ne_bytes().to_vec(),
        SIOCGIFADDR => sockaddr_in([127, 0, 0, 1]).to_vec(),
        SIOCGIFNETMASK => sockaddr_in([255, 0, 0, 0]).to_vec(),
        SIOCGIFMTU => LO_MTU.to_ne_bytes().to_vec(),
        SIOCGIFINDEX => 1i32.to_ne_bytes().to_vec(),
        SIOCGIFHWADDR => {
            let mut v = ARPHRD_LOOPBACK.to_ne_bytes().to_vec();
            v.resize(16, 0);
            v
        }
        _ => return Err(Errno::ENOTTY),
    };
    let mut name = [0u8; IFNAMSIZ];
    mm.read(arg, &mut name)?;
    let end = name.iter().position(|&b| b == 0).unwrap_or(IFNAMSIZ);
    if &name[..end] != b"lo" {
        return Err(Errno::ENODEV);
    }
    mm.write(arg + IFNAMSIZ as u64, &data)?;
    Ok(0)
}
