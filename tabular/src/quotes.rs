//! Finding an unterminated quoted field. arrow-csv (and the csv crate it
//! infers with) end a quoted field at the end of the input, so a quote that
//! is never closed would swallow every following record into one cell;
//! [`QuoteCheck`] follows the quoting as the bytes go by and says where
//! such a quote opened.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::CsvError;

/// Where the scanner is, as csv-core sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (a quote here opens a quoted field).
    FieldStart,
    /// In an unquoted field (quotes are literal).
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field (closed, or the first of `""`).
    QuoteInQuoted,
}

/// The quoting of a CSV text, followed byte by byte.
#[derive(Debug, Clone)]
pub(crate) struct Quotes {
    delimiter: u8,
    state: State,
    /// The current 1-based line.
    line: u64,
    /// The line the open quoted field started on.
    opened: u64,
}

impl Quotes {
    pub(crate) fn new(delimiter: u8) -> Quotes {
        Quotes {
            delimiter,
            state: State::FieldStart,
            line: 1,
            opened: 0,
        }
    }

    /// Follow `bytes`.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let d = self.delimiter;
        let mut state = self.state;
        for &b in bytes {
            let end = b == d || b == b'\n' || b == b'\r';
            state = match state {
                State::FieldStart if b == b'"' => {
                    self.opened = self.line;
                    State::Quoted
                }
                State::FieldStart | State::Unquoted if end => State::FieldStart,
                State::FieldStart | State::Unquoted => State::Unquoted,
                State::Quoted if b == b'"' => State::QuoteInQuoted,
                State::Quoted => State::Quoted,
                State::QuoteInQuoted if b == b'"' => State::Quoted,
                State::QuoteInQuoted if end => State::FieldStart,
                State::QuoteInQuoted => State::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
        self.state = state;
    }

    /// At the end of the input: the line of a quote never closed.
    pub(crate) fn unterminated(&self) -> Option<u64> {
        (self.state == State::Quoted).then_some(self.opened)
    }
}

/// The error for a quote opened on `line` and never closed.
pub(crate) fn unterminated_error(line: u64) -> CsvError {
    CsvError::Parse {
        record: 0,
        line: Some(line),
        column: None,
        msg: "unterminated quoted field: the quote opened on this line is never closed".into(),
        type_mismatch: false,
    }
}

/// Check a whole input in memory.
pub(crate) fn check_bytes(data: &[u8], delimiter: u8) -> Result<(), CsvError> {
    let mut q = Quotes::new(delimiter);
    q.feed(data);
    match q.unterminated() {
        Some(line) => Err(unterminated_error(line)),
        None => Ok(()),
    }
}

/// A reader that follows the quoting of what passes through it; at the end
/// of the input, a quote never closed is recorded in the shared
/// [`QuoteCheck::flag`] (its line; 0 when all is well).
pub(crate) struct QuoteCheck<R> {
    inner: R,
    quotes: Quotes,
    flag: Arc<AtomicU64>,
}

impl<R: Read> QuoteCheck<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> QuoteCheck<R> {
        QuoteCheck {
            inner,
            quotes: Quotes::new(delimiter),
            flag: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The line of an unterminated quote, once the end was reached (0: none).
    pub(crate) fn flag(&self) -> Arc<AtomicU64> {
        self.flag.clone()
    }
}

impl<R: Read> Read for QuoteCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Some(line) = self.quotes.unterminated() {
                self.flag.store(line, Ordering::Relaxed);
            }
        } else {
            self.quotes.feed(&buf[..n]);
        }
        Ok(n)
    }
}

/// The error recorded in `flag`, if any.
pub(crate) fn flagged(flag: &AtomicU64) -> Option<CsvError> {
    match flag.load(Ordering::Relaxed) {
        0 => None,
        line => Some(unterminated_error(line)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &str) -> Option<u64> {
        let mut q = Quotes::new(b',');
        q.feed(text.as_bytes());
        q.unterminated()
    }

    #[test]
    fn finds_the_line_of_a_quote_never_closed() {
        assert_eq!(open("a,b\n1,\"x\n2,3\n4,5\n"), Some(2));
        assert_eq!(open("a,b\n1,\"x\"\"y\n\"\n2,3\n"), None);
        assert_eq!(open("a,b\n1,x\"y\n2,\"\"\n"), None);
        assert_eq!(open("a,b\n1,\"x\"y,\"\n"), Some(2));
        assert_eq!(open("a,b\r\n\"1\r\n"), Some(2));
    }
}
