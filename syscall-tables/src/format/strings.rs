//! Strings and buffers in app memory, quoted and escaped as strace prints them.

use super::Ctx;

/// strace's default `-s`: buffers and strings are cut after this many bytes.
pub(crate) const MAX_STRLEN: usize = 32;
/// The longest path strace prints (`PATH_MAX - 1`).
pub(crate) const MAX_PATH: usize = 4095;

/// Quote `bytes` as strace does: printable ASCII as is, `\"` `\\` `\t` `\n` `\v` `\f` `\r`, and
/// other bytes in octal with as few digits as the next character allows (`"\0\1"`, but
/// `"\0001"`). With `hex`, every byte is `\xNN` (strace does this for getrandom).
pub(crate) fn quote(bytes: &[u8], hex: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for (i, &c) in bytes.iter().enumerate() {
        if hex {
            out.push_str(&format!("\\x{c:02x}"));
            continue;
        }
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b' '..=b'~' => out.push(char::from(c)),
            _ => {
                out.push('\\');
                let next_is_octal = matches!(bytes.get(i + 1), Some(b'0'..=b'7'));
                if next_is_octal || c >= 0o100 {
                    out.push(char::from(b'0' + (c >> 6)));
                }
                if next_is_octal || c >= 0o10 {
                    out.push(char::from(b'0' + ((c >> 3) & 7)));
                }
                out.push(char::from(b'0' + (c & 7)));
            }
        }
    }
    out.push('"');
    out
}

/// An address as strace prints a pointer: `NULL` or `0x...`.
pub(crate) fn addr(value: u64) -> String {
    if value == 0 {
        "NULL".to_string()
    } else {
        format!("{value:#x}")
    }
}

impl Ctx<'_> {
    /// A buffer of `len` bytes at `address`: at most [`MAX_STRLEN`] bytes, then `...` if longer.
    pub(crate) fn buffer(&self, address: u64, len: u64, hex: bool) -> String {
        if address == 0 {
            return addr(address);
        }
        let shown = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_STRLEN);
        match self.read(address, shown) {
            Some(bytes) => {
                let mut out = quote(&bytes, hex);
                if len > shown as u64 {
                    out.push_str("...");
                }
                out
            }
            None => addr(address),
        }
    }

    /// A NUL-terminated string at `address`, at most `limit` bytes, then `...` if longer.
    pub(crate) fn c_string(&self, address: u64, limit: usize) -> String {
        if address == 0 {
            return addr(address);
        }
        let Some(bytes) = (self.mem)(address, limit + 1) else {
            return addr(address);
        };
        match bytes.iter().position(|&b| b == 0) {
            Some(end) if end <= limit => quote(&bytes[..end], false),
            // Longer than the limit: the string goes on past what is shown.
            _ if bytes.len() > limit => quote(&bytes[..limit], false) + "...",
            // No NUL before the memory ends: the kernel would fault too.
            _ => addr(address),
        }
    }

    /// A path at `address`.
    pub(crate) fn path(&self, address: u64) -> String {
        self.c_string(address, MAX_PATH)
    }

    /// `len` bytes the kernel wrote at `address`, shown up to the first NUL (getcwd, readlink).
    pub(crate) fn out_path(&self, address: u64, len: u64) -> String {
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_PATH + 1);
        match self.read(address, len) {
            Some(bytes) => {
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                quote(&bytes[..end], false)
            }
            None => addr(address),
        }
    }

    /// Reads the NULL-terminated pointer array at `address`: `None` if unreadable.
    fn pointer_array(&self, address: u64, max: usize) -> Option<(Vec<u64>, bool)> {
        let mut pointers = Vec::new();
        loop {
            let at = address.checked_add(8 * pointers.len() as u64)?;
            let pointer = self.read_u64(at)?;
            if pointer == 0 {
                return Some((pointers, false));
            }
            if pointers.len() == max {
                return Some((pointers, true));
            }
            pointers.push(pointer);
        }
    }

    /// An argv-style array: `["ls", "-l"]`, at most [`MAX_STRLEN`] strings then `...`.
    pub(crate) fn string_array(&self, address: u64) -> String {
        if address == 0 {
            return addr(address);
        }
        let Some((pointers, more)) = self.pointer_array(address, MAX_STRLEN) else {
            return addr(address);
        };
        let mut items: Vec<String> = pointers
            .iter()
            .map(|&p| self.c_string(p, MAX_STRLEN))
            .collect();
        if more {
            items.push("...".to_string());
        }
        format!("[{}]", items.join(", "))
    }

    /// An envp-style array, counted: `0x7ffd... /* 12 vars */`.
    pub(crate) fn env_array(&self, address: u64) -> String {
        if address == 0 {
            return addr(address);
        }
        match self.pointer_array(address, 1 << 16) {
            Some((pointers, _)) => {
                let n = pointers.len();
                let noun = if n == 1 { "var" } else { "vars" };
                format!("{address:#x} /* {n} {noun} */")
            }
            None => addr(address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_strace() {
        assert_eq!(quote(b"hello\n", false), r#""hello\n""#);
        assert_eq!(
            quote(b"\t\\\"\x7f\x01\x80\xff ", false),
            r#""\t\\\"\177\1\200\377 ""#
        );
        assert_eq!(
            quote(
                b"\x7fELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x10t\x02\0",
                false
            ),
            r#""\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2\0""#
        );
        // Before an octal digit, escapes take all three digits so they stay unambiguous.
        assert_eq!(quote(b"\x001\x0a7\x017", false), r#""\0001\n7\0017""#);
        assert_eq!(quote(b"\x0b\x0c\r", false), r#""\v\f\r""#);
        assert_eq!(quote(b"\x07\x08\x1b", false), r#""\7\10\33""#);
        assert_eq!(quote(b"\x74\x44\xba", true), r#""\x74\x44\xba""#);
        assert_eq!(quote(b"", false), r#""""#);
    }

    #[test]
    fn addresses() {
        assert_eq!(addr(0), "NULL");
        assert_eq!(addr(0x7ffc_1234), "0x7ffc1234");
    }
}
