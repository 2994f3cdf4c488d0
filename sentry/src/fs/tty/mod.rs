//! Terminals: the termios state and the N_TTY line discipline (termios(3), tty_ioctl(4)), and
//! the pseudo-terminal pairs built on them ([`pty`]).
//!
//! The line discipline here is plain data with no locking and no blocking: the pty holds it
//! under its lock, feeds it the master's writes (`receive`) and the slave's writes
//! (`write_output`), and takes what the two ends read from it.

pub mod pty;

use std::collections::VecDeque;

/// `struct termios` as the kernel copies it for TCGETS/TCSETS (36 bytes; glibc's own has
/// speed fields after these and converts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; NCCS],
}

// SAFETY: integers only, no padding (4 * 4 + 1 + 19 = 36 bytes, alignment 4).
unsafe impl crate::mm::Pod for Termios {}
const _: () = assert!(std::mem::size_of::<Termios>() == 36);

/// `struct termios2` (TCGETS2/TCSETS2): the same with explicit speeds.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Termios2 {
    pub t: Termios,
    pub ispeed: u32,
    pub ospeed: u32,
}

// SAFETY: integers only, no padding (36 + 8 = 44 bytes).
unsafe impl crate::mm::Pod for Termios2 {}
const _: () = assert!(std::mem::size_of::<Termios2>() == 44);

/// `struct winsize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Winsize {
    pub row: u16,
    pub col: u16,
    pub xpixel: u16,
    pub ypixel: u16,
}

// SAFETY: integers only, no padding.
unsafe impl crate::mm::Pod for Winsize {}

pub const NCCS: usize = 19;

// c_cc indices (asm-generic/termbits.h).
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

// c_iflag.
const ISTRIP: u32 = 0o40;
const INLCR: u32 = 0o100;
const IGNCR: u32 = 0o200;
const ICRNL: u32 = 0o400;
const IUCLC: u32 = 0o1000;
const IXON: u32 = 0o2000;
const IXANY: u32 = 0o4000;
const IUTF8: u32 = 0o40000;
// c_oflag.
const OPOST: u32 = 0o1;
const OLCUC: u32 = 0o2;
const ONLCR: u32 = 0o4;
const OCRNL: u32 = 0o10;
const ONOCR: u32 = 0o20;
const ONLRET: u32 = 0o40;
const TABDLY: u32 = 0o14000;
const XTABS: u32 = 0o14000;
// c_cflag.
const B38400: u32 = 0o17;
const CBAUD: u32 = 0o10017;
const CSIZE: u32 = 0o60;
const CS8: u32 = 0o60;
const CREAD: u32 = 0o200;
const PARENB: u32 = 0o400;
// c_lflag.
const ISIG: u32 = 0o1;
const ICANON: u32 = 0o2;
const ECHO: u32 = 0o10;
const ECHOE: u32 = 0o20;
const ECHOK: u32 = 0o40;
const ECHONL: u32 = 0o100;
const NOFLSH: u32 = 0o200;
const TOSTOP: u32 = 0o400;
const ECHOCTL: u32 = 0o1000;
const ECHOKE: u32 = 0o4000;
const IEXTEN: u32 = 0o100000;

/// The line discipline's input buffer (N_TTY_BUF_SIZE): a canonical line holds at most one
/// byte less.
const N_TTY_BUF_SIZE: usize = 4096;
/// How much unread input or output a pty holds before writers wait (Linux's flip buffers
/// hold 64 KiB on top of the line discipline's 4 KiB).
pub const TTY_BUFFER: usize = 65536;

impl Termios {
    /// A fresh pty slave's settings, as Linux's `tty_std_termios` with the pts driver's
    /// cflag (`B38400 | CS8 | CREAD`, no HUPCL).
    pub fn pty_default() -> Termios {
        let mut cc = [0u8; NCCS];
        cc[VINTR] = 0o3;
        cc[VQUIT] = 0o34;
        cc[VERASE] = 0o177;
        cc[VKILL] = 0o25;
        cc[VEOF] = 0o4;
        cc[VMIN] = 1;
        cc[VSTART] = 0o21;
        cc[VSTOP] = 0o23;
        cc[VSUSP] = 0o32;
        cc[VREPRINT] = 0o22;
        cc[VDISCARD] = 0o17;
        cc[VWERASE] = 0o27;
        cc[VLNEXT] = 0o26;
        Termios {
            iflag: ICRNL | IXON,
            oflag: OPOST | ONLCR,
            cflag: B38400 | CS8 | CREAD,
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc,
        }
    }

    fn l(&self, f: u32) -> bool {
        self.lflag & f != 0
    }

    fn i(&self, f: u32) -> bool {
        self.iflag & f != 0
    }

    fn o(&self, f: u32) -> bool {
        self.oflag & f != 0
    }

    /// The baud rate the cflag encodes (for termios2's speed fields).
    pub fn speed(&self) -> u32 {
        const RATES: [u32; 16] = [
            0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
        ];
        const HIGH: [u32; 15] = [
            57600, 115_200, 230_400, 460_800, 500_000, 576_000, 921_600, 1_000_000, 1_152_000,
            1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000,
        ];
        let b = self.cflag & CBAUD;
        if b & 0o10000 == 0 {
            RATES[b as usize]
        } else {
            HIGH.get((b & 0o17) as usize - 1).copied().unwrap_or(0)
        }
    }

    /// What a pty slave keeps of new settings: its character size is always 8 bits and it
    /// always reads, as Linux's `pty_set_termios` forces.
    pub fn for_pty(mut self) -> Termios {
        self.cflag &= !(CSIZE | PARENB);
        self.cflag |= CS8 | CREAD;
        self
    }
}

/// The kernel's `iscntrl`: C0 controls, DEL, and the C1 controls of Latin-1.
fn iscntrl(c: u8) -> bool {
    c < 0x20 || c == 0x7f || (0x80..0xa0).contains(&c)
}

fn isalnum(c: u8) -> bool {
    c.is_ascii_alphanumeric() || (0xc0..=0xff).contains(&c) && c != 0xd7 && c != 0xf7
}

/// A canonical line ready to be read: its bytes (with the '\n' or EOL that ended it), and
/// whether VEOF ended it (the EOF character itself is not data).
struct Line {
    data: VecDeque<u8>,
    eof: bool,
}

/// The N_TTY line discipline of one terminal: input editing and echo, output processing.
pub struct NTty {
    pub termios: Termios,
    /// Non-canonical input, readable as it is.
    raw: VecDeque<u8>,
    /// Canonical input: finished lines, and the line being edited.
    lines: VecDeque<Line>,
    edit: Vec<u8>,
    /// The last byte was VLNEXT: take the next literally.
    lnext: bool,
    /// Output (and echoes), for the other side to read.
    pub output: VecDeque<u8>,
    /// The output column, for tabs and erasing; and the column a canonical line started at.
    column: usize,
    canon_column: usize,
    /// Output stopped by VSTOP (IXON) or TCOOFF.
    pub stopped: bool,
}

impl Default for NTty {
    fn default() -> Self {
        NTty::new(Termios::pty_default())
    }
}

impl NTty {
    pub fn new(termios: Termios) -> NTty {
        NTty {
            termios,
            raw: VecDeque::new(),
            lines: VecDeque::new(),
            edit: Vec::new(),
            lnext: false,
            output: VecDeque::new(),
            column: 0,
            canon_column: 0,
            stopped: false,
        }
    }

    fn canonical(&self) -> bool {
        self.termios.l(ICANON)
    }

    /// Bytes of unread input held, ready or being edited.
    fn input_held(&self) -> usize {
        self.raw.len()
            + self.edit.len()
            + self.lines.iter().map(|l| l.data.len() + 1).sum::<usize>()
    }

    /// Whether more input can be taken now (the writer of input waits otherwise).
    pub fn input_room(&self) -> bool {
        self.input_held() < TTY_BUFFER
    }

    /// Whether the reader of output may take something.
    pub fn output_room(&self) -> bool {
        self.output.len() < TTY_BUFFER
    }

    /// Whether a read of input would return now: a finished line, or (non-canonical) at
    /// least `min` bytes.
    pub fn readable(&self, min: usize) -> bool {
        if self.canonical() {
            !self.lines.is_empty()
        } else {
            self.raw.len() >= min.max(1)
        }
    }

    /// FIONREAD on the input side: the bytes a read could take (canonical: finished lines).
    pub fn input_ready(&self) -> usize {
        if self.canonical() {
            self.lines.iter().map(|l| l.data.len()).sum()
        } else {
            self.raw.len()
        }
    }

    /// Discards unread input (TCIFLUSH, TCSETSF, a signal character without NOFLSH).
    pub fn flush_input(&mut self) {
        self.raw.clear();
        self.lines.clear();
        self.edit.clear();
        self.lnext = false;
    }

    /// New settings (TCSETS*). Switching canonical mode off makes everything held readable as
    /// it is (an EOF shows as a NUL byte, as in Linux's buffer); switching it on makes what
    /// is held one finished line.
    pub fn set_termios(&mut self, new: Termios) {
        let was = self.canonical();
        self.termios = new;
        if was == self.canonical() {
            return;
        }
        self.lnext = false;
        if was {
            for line in self.lines.drain(..) {
                self.raw.extend(line.data);
                if line.eof {
                    self.raw.push_back(0);
                }
            }
            self.raw.extend(self.edit.drain(..));
        } else if !self.raw.is_empty() {
            let data = std::mem::take(&mut self.raw);
            self.lines.push_back(Line { data, eof: false });
        }
    }

    /// Reads input: canonical mode gives at most one line (0 for an EOF at the start of a
    /// line); non-canonical mode what is there. `None` if nothing is ready.
    pub fn read_input(&mut self, buf: &mut [u8]) -> Option<usize> {
        if self.canonical() {
            let line = self.lines.front_mut()?;
            let n = buf.len().min(line.data.len());
            crate::fs::drain_into(&mut line.data, &mut buf[..n]);
            if line.data.is_empty() {
                self.lines.pop_front();
            }
            return Some(n);
        }
        if self.raw.is_empty() {
            return None;
        }
        let n = buf.len().min(self.raw.len());
        crate::fs::drain_into(&mut self.raw, &mut buf[..n]);
        Some(n)
    }

    /// Takes input bytes (the master's writes) until the buffer is full: returns how many it
    /// took, and appends the signals the input generated (ISIG) for the foreground group.
    pub fn receive(&mut self, bytes: &[u8], signals: &mut Vec<i32>) -> usize {
        let mut n = 0;
        for &c in bytes {
            if !self.input_room() {
                break;
            }
            self.receive_byte(c, signals);
            n += 1;
        }
        n
    }

    /// Whether `c` needs more than storing and echoing (Linux's `char_map`). A control
    /// character set to 0 is disabled.
    fn special(&self, c: u8) -> bool {
        if c == 0 {
            return false;
        }
        let t = &self.termios;
        let cc = |i: usize| t.cc[i] == c;
        (c == b'\r' && (t.i(IGNCR) || t.i(ICRNL)))
            || (c == b'\n' && t.i(INLCR))
            || (t.l(ICANON)
                && (cc(VERASE)
                    || cc(VKILL)
                    || cc(VEOF)
                    || c == b'\n'
                    || cc(VEOL)
                    || (t.l(IEXTEN)
                        && (cc(VWERASE)
                            || cc(VLNEXT)
                            || cc(VEOL2)
                            || (t.l(ECHO) && cc(VREPRINT))))))
            || (t.i(IXON) && (cc(VSTART) || cc(VSTOP)))
            || (t.l(ISIG) && (cc(VINTR) || cc(VQUIT) || cc(VSUSP)))
    }

    fn receive_byte(&mut self, mut c: u8, signals: &mut Vec<i32>) {
        if self.termios.i(ISTRIP) {
            c &= 0x7f;
        }
        if self.termios.i(IUCLC) && self.termios.l(IEXTEN) {
            c = c.to_ascii_lowercase();
        }
        if self.lnext {
            self.lnext = false;
            return self.receive_plain(c);
        }
        if !self.special(c) {
            return self.receive_plain(c);
        }
        let t = self.termios;
        if t.i(IXON) {
            if c == t.cc[VSTART] {
                self.stopped = false;
                return;
            }
            if c == t.cc[VSTOP] {
                self.stopped = true;
                return;
            }
        }
        if t.l(ISIG) {
            let sig = if c == t.cc[VINTR] {
                libc::SIGINT
            } else if c == t.cc[VQUIT] {
                libc::SIGQUIT
            } else if c == t.cc[VSUSP] {
                libc::SIGTSTP
            } else {
                0
            };
            if sig != 0 {
                signals.push(sig);
                if !t.l(NOFLSH) {
                    self.flush_input();
                }
                if t.i(IXON) {
                    self.stopped = false;
                }
                if t.l(ECHO) {
                    self.echo_char(c);
                }
                return;
            }
        }
        if self.stopped && t.i(IXON) && t.i(IXANY) {
            self.stopped = false;
        }
        if c == b'\r' {
            if t.i(IGNCR) {
                return;
            }
            if t.i(ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && t.i(INLCR) {
            c = b'\r';
        }
        if t.l(ICANON) {
            if c == t.cc[VERASE] || c == t.cc[VKILL] || (c == t.cc[VWERASE] && t.l(IEXTEN)) {
                return self.erase(c);
            }
            if c == t.cc[VLNEXT] && t.l(IEXTEN) {
                self.lnext = true;
                if t.l(ECHO) && t.l(ECHOCTL) {
                    self.echo_raw(b'^');
                    self.echo_raw(b'\x08');
                }
                return;
            }
            if c == t.cc[VREPRINT] && t.l(ECHO) && t.l(IEXTEN) {
                self.echo_char(c);
                self.echo_raw(b'\n');
                for c in self.edit.clone() {
                    self.echo_char(c);
                }
                return;
            }
            if c == b'\n' {
                if t.l(ECHO) || t.l(ECHONL) {
                    self.echo_raw(b'\n');
                }
                return self.end_line(Some(c));
            }
            if c == t.cc[VEOF] {
                return self.end_line(None);
            }
            if c == t.cc[VEOL] || (c == t.cc[VEOL2] && t.l(IEXTEN)) {
                if t.l(ECHO) {
                    self.start_echo_line();
                    self.echo_char(c);
                }
                return self.end_line(Some(c));
            }
        }
        if t.l(ECHO) {
            if c == b'\n' {
                self.echo_raw(b'\n');
            } else {
                self.start_echo_line();
                self.echo_char(c);
            }
        }
        self.store(c);
    }

    /// An ordinary input byte: echoed and stored.
    fn receive_plain(&mut self, c: u8) {
        if self.termios.l(ECHO) {
            self.start_echo_line();
            self.echo_char(c);
        }
        self.store(c);
    }

    fn store(&mut self, c: u8) {
        if !self.canonical() {
            self.raw.push_back(c);
        } else if self.edit.len() < N_TTY_BUF_SIZE - 1 {
            self.edit.push(c);
        }
    }

    /// Finishes the line being edited (with its terminator, unless VEOF ended it).
    fn end_line(&mut self, terminator: Option<u8>) {
        let mut data: VecDeque<u8> = self.edit.drain(..).collect();
        if let Some(t) = terminator {
            data.push_back(t);
        }
        self.lines.push_back(Line {
            data,
            eof: terminator.is_none(),
        });
    }

    /// Notes the column a canonical line's echo starts at (for erasing tabs).
    fn start_echo_line(&mut self) {
        if self.canonical() && self.edit.is_empty() {
            self.canon_column = self.column;
        }
    }

    /// VERASE, VWERASE and VKILL on the line being edited, with their echoes (ECHOE, ECHOK,
    /// ECHOKE, ECHOCTL), as Linux's `eraser`.
    fn erase(&mut self, c: u8) {
        #[derive(PartialEq)]
        enum Kind {
            Erase,
            Werase,
            Kill,
        }
        if self.edit.is_empty() {
            return;
        }
        let t = self.termios;
        let kind = if c == t.cc[VERASE] {
            Kind::Erase
        } else if c == t.cc[VWERASE] {
            Kind::Werase
        } else {
            if !t.l(ECHO) {
                self.edit.clear();
                return;
            }
            if !t.l(ECHOK) || !t.l(ECHOKE) || !t.l(ECHOE) {
                self.edit.clear();
                self.echo_char(t.cc[VKILL]);
                if t.l(ECHOK) {
                    self.echo_raw(b'\n');
                }
                return;
            }
            Kind::Kill
        };
        let utf8 = t.i(IUTF8);
        let mut seen_alnums = 0;
        while !self.edit.is_empty() {
            // One character: a UTF-8 sequence counts as one under IUTF8.
            let mut start = self.edit.len() - 1;
            while utf8 && start > 0 && self.edit[start] & 0xc0 == 0x80 {
                start -= 1;
            }
            let c = self.edit[start];
            if utf8 && c & 0xc0 == 0x80 {
                break;
            }
            if kind == Kind::Werase {
                if isalnum(c) || c == b'_' {
                    seen_alnums += 1;
                } else if seen_alnums > 0 {
                    break;
                }
            }
            self.edit.truncate(start);
            if t.l(ECHO) {
                if kind == Kind::Erase && !t.l(ECHOE) {
                    self.echo_char(t.cc[VERASE]);
                } else if c == b'\t' {
                    self.erase_tab();
                } else {
                    let cntrl = iscntrl(c);
                    if cntrl && t.l(ECHOCTL) {
                        self.echo_bytes(b"\x08 \x08");
                    }
                    if !cntrl || t.l(ECHOCTL) {
                        self.echo_bytes(b"\x08 \x08");
                    }
                }
            }
            if kind == Kind::Erase {
                break;
            }
        }
    }

    /// Backs up over an erased tab: to the tab stop the characters before it reached.
    fn erase_tab(&mut self) {
        let mut cols = 0;
        let mut after_tab = false;
        for &c in self.edit.iter().rev() {
            if c == b'\t' {
                after_tab = true;
                break;
            } else if iscntrl(c) {
                if self.termios.l(ECHOCTL) {
                    cols += 2;
                }
            } else if !(self.termios.i(IUTF8) && c & 0xc0 == 0x80) {
                cols += 1;
            }
        }
        if !after_tab {
            cols += self.canon_column;
        }
        let back = (8 - (cols & 7)).min(self.column);
        for _ in 0..back {
            self.output.push_back(b'\x08');
            self.column -= 1;
        }
    }

    /// Echoes `c`: a control character as `^X` under ECHOCTL, anything else as output.
    fn echo_char(&mut self, c: u8) {
        if self.termios.l(ECHOCTL) && iscntrl(c) && c != b'\t' {
            self.output.push_back(b'^');
            self.output.push_back(c ^ 0o100);
            self.column += 2;
        } else {
            self.echo_raw(c);
        }
    }

    fn echo_raw(&mut self, c: u8) {
        if self.termios.o(OPOST) {
            self.output_char(c);
        } else {
            self.output.push_back(c);
        }
    }

    fn echo_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.echo_raw(b);
        }
    }

    /// One byte of output with OPOST processing (ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS),
    /// keeping the column, as Linux's `do_output_char`.
    fn output_char(&mut self, mut c: u8) {
        let t = self.termios;
        match c {
            b'\n' => {
                if t.o(ONLRET) {
                    self.column = 0;
                }
                if t.o(ONLCR) {
                    self.column = 0;
                    self.canon_column = 0;
                    self.output.extend(b"\r\n");
                    return;
                }
                self.canon_column = self.column;
            }
            b'\r' => {
                if t.o(ONOCR) && self.column == 0 {
                    return;
                }
                if t.o(OCRNL) {
                    c = b'\n';
                    if t.o(ONLRET) {
                        self.column = 0;
                        self.canon_column = 0;
                    }
                } else {
                    self.column = 0;
                    self.canon_column = 0;
                }
            }
            b'\t' => {
                let spaces = 8 - (self.column & 7);
                self.column += spaces;
                if t.oflag & TABDLY == XTABS {
                    self.output.extend(std::iter::repeat_n(b' ', spaces));
                    return;
                }
            }
            0x08 => self.column = self.column.saturating_sub(1),
            _ => {
                if !iscntrl(c) {
                    if t.o(OLCUC) {
                        c = c.to_ascii_uppercase();
                    }
                    if !(t.i(IUTF8) && c & 0xc0 == 0x80) {
                        self.column += 1;
                    }
                }
            }
        }
        self.output.push_back(c);
    }

    /// The slave's writes: output processing (OPOST) into the output the master reads, until
    /// it is full. Returns how many bytes it took.
    pub fn write_output(&mut self, buf: &[u8]) -> usize {
        let mut n = 0;
        for &c in buf {
            if !self.output_room() {
                break;
            }
            if self.termios.o(OPOST) {
                self.output_char(c);
            } else {
                self.output.push_back(c);
            }
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(t: &mut NTty, bytes: &[u8]) -> Vec<i32> {
        let mut sigs = Vec::new();
        assert_eq!(t.receive(bytes, &mut sigs), bytes.len());
        sigs
    }

    fn read_all(t: &mut NTty) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let n = t.read_input(&mut buf).unwrap();
        buf[..n].to_vec()
    }

    fn output(t: &mut NTty) -> Vec<u8> {
        t.output.drain(..).collect()
    }

    #[test]
    fn canonical_lines_echo_and_erase() {
        let mut t = NTty::default();
        feed(&mut t, b"ab\x7fc\r");
        assert_eq!(read_all(&mut t), b"ac\n");
        // As a Linux pty echoes "ab<DEL>c\r".
        assert_eq!(output(&mut t), b"ab\x08 \x08c\r\n");
        feed(&mut t, b"par");
        assert!(!t.readable(1));
        feed(&mut t, b"tial\x04");
        assert_eq!(read_all(&mut t), b"partial");
        feed(&mut t, b"\x04");
        assert_eq!(t.read_input(&mut [0; 8]), Some(0));
        assert_eq!(t.read_input(&mut [0; 8]), None);
    }

    #[test]
    fn kill_werase_and_control_echo() {
        let mut t = NTty::default();
        feed(&mut t, b"one two\x17x\n");
        assert_eq!(read_all(&mut t), b"one x\n");
        output(&mut t);
        feed(&mut t, b"\x01b\x15z\n");
        assert_eq!(read_all(&mut t), b"z\n");
        assert_eq!(output(&mut t), b"^Ab\x08 \x08\x08 \x08\x08 \x08z\r\n");
    }

    #[test]
    fn signals_flush_input_and_echo() {
        let mut t = NTty::default();
        let sigs = feed(&mut t, b"abc\x03");
        assert_eq!(sigs, vec![libc::SIGINT]);
        assert_eq!(output(&mut t), b"abc^C");
        feed(&mut t, b"\n");
        assert_eq!(read_all(&mut t), b"\n");
        assert_eq!(
            feed(&mut t, b"\x1c\x1a"),
            vec![libc::SIGQUIT, libc::SIGTSTP]
        );
    }

    #[test]
    fn raw_mode_and_output_processing() {
        let mut t = NTty::default();
        let mut raw = t.termios;
        raw.lflag &= !(ICANON | ECHO | ISIG);
        raw.iflag &= !ICRNL;
        t.set_termios(raw);
        feed(&mut t, b"a\r\x03");
        assert_eq!(read_all(&mut t), b"a\r\x03");
        assert!(t.output.is_empty());
        assert_eq!(t.write_output(b"x\ny\tz"), 5);
        assert_eq!(output(&mut t), b"x\r\ny\tz");
    }

    #[test]
    fn leaving_canonical_mode_releases_the_edited_line() {
        let mut t = NTty::default();
        feed(&mut t, b"abc");
        let mut raw = t.termios;
        raw.lflag &= !ICANON;
        t.set_termios(raw);
        assert_eq!(read_all(&mut t), b"abc");
    }
}
