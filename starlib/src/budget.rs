//! The data path's share of the run's limits, in one place: what tables,
//! CSV and JSON decoding, HTTP bodies and encoders cost in the engine's
//! allocation budget ([`engine::Thread::account`]), charged *before* the
//! memory is allocated, and how long native loops notice that the run was
//! cancelled.
//!
//! - [`charge`] charges bytes (an estimate or an exact size) and names the
//!   function at fault when the budget runs out (`ErrorKind::Memory`).
//! - [`Reservation`] charges an estimate up front and tops it up as actual
//!   sizes become known (CSV batches, HTTP chunks, encoder output), so the
//!   total charged is the larger of the two and nothing is charged twice.
//! - The size helpers ([`array_bytes`], [`batch_bytes`], [`take_bytes`],
//!   [`filter_bytes`], [`row_bytes`], [`values_bytes`], ...) estimate what a
//!   kernel will allocate from its inputs, exactly for the rows it copies
//!   (string lengths included) where that is cheap to know.
//! - [`Interrupt`] polls the run's cancel handle from loops over rows that
//!   cannot borrow the thread; [`Interrupt::run`] runs an Arrow kernel that
//!   cannot poll on a worker thread and stops waiting when the run is
//!   cancelled.
//! - Column operators (`c + 1`, `c > 0`) run by the evaluator get the
//!   thread (`NativeValue::binary_in`) and charge before they build; the
//!   same operators called by a host without a thread record what they
//!   allocated with [`owe`], and the next charge on the same thread
//!   settles it.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use arrow_schema::DataType;
use engine::error::{ErrorKind, EvalError, Result};
use engine::{CancelHandle, Thread, Value};
use std::cell::Cell;
use std::sync::mpsc;
use std::time::Duration;

/// How many rows long native loops handle between two cancellation checks
/// (a power of two).
pub const CHECK_ROWS: usize = 1 << 16;

/// What a starlib value costs beyond its bytes: a Starlark value slot.
const VALUE_SLOT: usize = 16;

/// What a Starlark string costs beyond its bytes.
const STR_HEADER: usize = 24;

thread_local! {
    /// Bytes column operators allocated and have not been charged yet, and
    /// the thread (by address) they were allocated for.
    static DEBT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The identity of a thread for [`DEBT`]: its address.
fn thread_id(thread: &Thread) -> usize {
    thread as *const Thread as usize
}

/// Records `bytes` allocated by a column operator called without a thread
/// to charge; the next [`charge`] on this OS thread settles it.
pub fn owe(bytes: usize) {
    DEBT.with(|d| {
        let (id, owed) = d.get();
        d.set((id, owed.saturating_add(bytes)));
    });
}

/// Charges what column operators owe (see [`owe`]) to `thread`. Debt
/// recorded while another thread was current is dropped.
fn settle(thread: &mut Thread) -> Result<()> {
    let me = thread_id(thread);
    let (id, owed) = DEBT.with(|d| d.replace((me, 0)));
    if id == me && owed > 0 {
        thread.account(owed)?;
    }
    Ok(())
}

/// Charges `bytes` that `fname` is about to allocate to the run's budget,
/// after what column operators owe. Fails with `ErrorKind::Memory`, naming
/// `fname`, when the budget runs out.
pub fn charge(thread: &mut Thread, fname: &str, bytes: usize) -> Result<()> {
    settle(thread)
        .and_then(|()| thread.account(bytes))
        .map_err(|mut e| {
            if e.kind == ErrorKind::Memory {
                e.msg = format!("{fname}: {} (it needed {bytes} more bytes)", e.msg);
            }
            e
        })
}

/// An up-front charge for memory whose exact size is known only as it is
/// made: charge an estimate first, then [`Reservation::cover`] the actual
/// total as it grows; only the part beyond what was charged is charged.
#[derive(Debug)]
pub struct Reservation {
    fname: String,
    charged: usize,
}

impl Reservation {
    /// Charges `estimate` bytes for `fname`.
    pub fn new(thread: &mut Thread, fname: &str, estimate: usize) -> Result<Reservation> {
        charge(thread, fname, estimate)?;
        Ok(Reservation {
            fname: fname.to_string(),
            charged: estimate,
        })
    }

    /// Makes sure at least `total` bytes are charged, charging the rest.
    pub fn cover(&mut self, thread: &mut Thread, total: usize) -> Result<()> {
        if total > self.charged {
            charge(thread, &self.fname, total - self.charged)?;
            self.charged = total;
        }
        Ok(())
    }

    /// Charges `bytes` more than is charged now.
    pub fn add(&mut self, thread: &mut Thread, bytes: usize) -> Result<()> {
        let total = self.charged.saturating_add(bytes);
        self.cover(thread, total)
    }

    /// The bytes charged so far.
    pub fn charged(&self) -> usize {
        self.charged
    }
}

/// What a new table value costs besides its arrays (which it may share
/// with the table it came from): its schema and column list.
pub fn table_header(columns: usize) -> usize {
    128 + 96 * columns
}

/// Bytes of a validity bitmap for `rows` rows.
fn bitmap(rows: usize) -> usize {
    rows.div_ceil(8)
}

/// Bytes per row of a fixed-width type (None for variable-width and
/// nested types).
fn fixed_width(dt: &DataType) -> Option<usize> {
    match dt {
        DataType::Null => Some(0),
        // Bits: counted by the bitmap of the rows.
        DataType::Boolean => Some(0),
        dt => dt.primitive_width(),
    }
}

/// Bytes per row a new array of type `dt` needs, not counting the values
/// of variable-width types (their offsets or views are counted).
pub fn row_width(dt: &DataType) -> usize {
    match dt {
        DataType::Utf8 | DataType::Binary => 4,
        DataType::LargeUtf8 | DataType::LargeBinary => 8,
        DataType::Utf8View | DataType::BinaryView => 16,
        dt => fixed_width(dt).unwrap_or(16),
    }
}

/// Bytes of the values of row `i` of a variable-width array (0 for other
/// arrays and null rows).
fn value_len(a: &dyn Array, i: usize) -> usize {
    if a.is_null(i) {
        return 0;
    }
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).len(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).len(),
        DataType::Utf8View => a.as_string_view().value(i).len(),
        DataType::Binary => a.as_binary::<i32>().value(i).len(),
        DataType::LargeBinary => a.as_binary::<i64>().value(i).len(),
        _ => 0,
    }
}

/// Whether a type's values live outside its fixed-width rows (strings and
/// binaries; nested types are estimated by their average row).
fn is_var_width(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
    )
}

/// Bytes of the rows `a` shows (a slice counts only its own rows): values,
/// offsets and validity. What a copy of `a` costs.
pub fn array_bytes(a: &dyn Array) -> usize {
    let n = a.len();
    let dt = a.data_type();
    let validity = if a.null_count() > 0 { bitmap(n) } else { 0 };
    let fixed = match dt {
        DataType::Boolean => bitmap(n),
        DataType::Null => 0,
        dt => match fixed_width(dt) {
            Some(w) => n * w,
            None if is_var_width(dt) => {
                let values = match dt {
                    DataType::Utf8 => offsets_span(a.as_string::<i32>().value_offsets()),
                    DataType::LargeUtf8 => offsets_span(a.as_string::<i64>().value_offsets()),
                    DataType::Binary => offsets_span(a.as_binary::<i32>().value_offsets()),
                    DataType::LargeBinary => offsets_span(a.as_binary::<i64>().value_offsets()),
                    _ => (0..n).map(|i| value_len(a, i)).sum(),
                };
                (n + 1) * row_width(dt) + values
            }
            // Nested types: what the array holds (a slice counts its parent).
            None => a.get_array_memory_size(),
        },
    };
    fixed + validity
}

/// The span of values `offsets` cover.
fn offsets_span<O: arrow_array::OffsetSizeTrait>(offsets: &[O]) -> usize {
    match (offsets.first(), offsets.last()) {
        (Some(f), Some(l)) => l.as_usize().saturating_sub(f.as_usize()),
        _ => 0,
    }
}

/// Bytes of the rows a batch shows (see [`array_bytes`]).
pub fn batch_bytes(b: &RecordBatch) -> usize {
    b.columns().iter().map(|c| array_bytes(c.as_ref())).sum()
}

/// Bytes of a new array of `a`'s type holding the rows `rows` (an
/// iterator over `n` row numbers of `a`; repeats allowed): exact for
/// fixed-width and string columns, the average row for nested ones.
pub fn rows_bytes(a: &dyn Array, n: usize, rows: impl Iterator<Item = usize>) -> usize {
    let dt = a.data_type();
    let base = (n + 1) * row_width(dt) + bitmap(n);
    if is_var_width(dt) {
        base + rows.map(|i| value_len(a, i)).sum::<usize>()
    } else if fixed_width(dt).is_some() {
        base
    } else {
        let avg = array_bytes(a) / a.len().max(1) + 1;
        base + n.saturating_mul(avg)
    }
}

/// Bytes of `take(a, idx)`.
pub fn take_bytes(a: &dyn Array, idx: &UInt32Array) -> usize {
    let rows = idx.iter().flatten().map(|i| i as usize);
    rows_bytes(a, idx.len(), rows)
}

/// Bytes of `take` of every column of `cols` at `idx`, with the index.
pub fn take_columns_bytes(cols: &[ArrayRef], idx: &UInt32Array) -> usize {
    cols.iter()
        .map(|c| take_bytes(c.as_ref(), idx))
        .sum::<usize>()
}

/// Bytes of `filter(a, mask)`.
pub fn filter_bytes(a: &dyn Array, mask: &BooleanArray) -> usize {
    let n = mask.true_count();
    let rows = (0..mask.len()).filter(|&i| mask.is_valid(i) && mask.value(i));
    rows_bytes(a, n, rows)
}

/// Bytes of row `i` of `cols` in a new array (its share of the columns).
pub fn row_bytes(cols: &[ArrayRef], i: usize) -> usize {
    cols.iter()
        .map(|c| {
            let dt = c.data_type();
            if is_var_width(dt) {
                row_width(dt) + value_len(c.as_ref(), i)
            } else if fixed_width(dt).is_some() {
                row_width(dt)
            } else {
                array_bytes(c.as_ref()) / c.len().max(1) + 1
            }
        })
        .sum::<usize>()
        + cols.len() / 8
        + 1
}

/// Bytes of a new `rows`-row array of type `to` made from `a` (a cast or a
/// fill): its rows' width, plus for string results the text of `a`'s
/// values (or 24 bytes a row for values printed as text).
pub fn convert_bytes(a: &dyn Array, to: &DataType) -> usize {
    let n = a.len();
    let fixed = (n + 1) * row_width(to) + bitmap(n);
    if is_var_width(to) {
        if is_var_width(a.data_type()) {
            fixed + array_bytes(a)
        } else {
            fixed + n * 24
        }
    } else {
        fixed
    }
}

/// What a column operator or comparison of `a` with `other` (a column or
/// a scalar) allocates: a result of type `result` and, for operands that
/// are not already 64-bit numbers or strings, their casts.
pub fn operator_bytes(a: &ArrayRef, other: &Value, result: &DataType) -> usize {
    let n = a.len();
    let cast = |dt: &DataType| {
        if dt.is_numeric() && !matches!(dt, DataType::Int64 | DataType::Float64) {
            n * 8
        } else {
            0
        }
    };
    let other_cast = match other {
        Value::Native(v) => v
            .as_any()
            .downcast_ref::<crate::table::Column>()
            .map_or(0, |c| cast(c.array.data_type())),
        _ => 0,
    };
    (n + 1) * row_width(result) + bitmap(n) + cast(a.data_type()) + other_cast + 64
}

/// Bytes an Arrow array built from Starlark values needs (one row each,
/// strings with their text).
pub fn values_bytes(values: &[Value]) -> usize {
    values
        .iter()
        .map(|v| match v {
            Value::Str(s) => 4 + s.len(),
            _ => 8,
        })
        .sum::<usize>()
        + bitmap(values.len())
        + 8
}

/// What a Starlark value made from cell `i` of `a` costs (strings with
/// their text, other scalars a slot).
pub fn cell_bytes(a: &dyn Array, i: usize) -> usize {
    let dt = a.data_type();
    if is_var_width(dt) {
        VALUE_SLOT + STR_HEADER + value_len(a, i)
    } else if fixed_width(dt).is_some() || dt.is_temporal() {
        VALUE_SLOT + STR_HEADER
    } else {
        VALUE_SLOT + STR_HEADER + array_bytes(a) / a.len().max(1)
    }
}

/// What the Starlark values of every cell of `cols` cost, plus `per_row`
/// bytes for each row's container (a dict or list).
pub fn cells_bytes(cols: &[ArrayRef], rows: usize, per_row: usize) -> usize {
    let cells: usize = cols
        .iter()
        .map(|c| {
            let dt = c.data_type();
            let text = if is_var_width(dt) {
                array_bytes(c.as_ref())
            } else if fixed_width(dt).is_some() {
                0
            } else {
                array_bytes(c.as_ref())
            };
            text + rows * (VALUE_SLOT + STR_HEADER)
        })
        .sum();
    cells + rows.saturating_mul(per_row)
}

/// Bytes per row of a Starlark dict with `columns` entries.
pub fn dict_row(columns: usize) -> usize {
    64 + 40 * columns
}

/// An estimate of what CSV text of `input` bytes, `rows` lines and the
/// given column types becomes as Arrow arrays: each column's row width
/// times the lines, plus the text itself when a column holds strings.
pub fn csv_estimate(input: usize, rows: usize, types: &[DataType]) -> usize {
    let width: usize = types.iter().map(row_width).sum::<usize>() + types.len().div_ceil(8);
    let text = if types.iter().any(is_var_width) {
        input
    } else {
        0
    };
    rows.saturating_mul(width)
        .saturating_add(text)
        .saturating_add(types.len() * 256)
}

/// Polls the run's cancellation from native loops that cannot borrow the
/// thread, and waits for kernels that cannot poll.
#[derive(Clone, Default)]
pub struct Interrupt(CancelHandle);

impl Interrupt {
    /// The interrupt of `thread`'s run.
    pub fn of(thread: &Thread) -> Interrupt {
        Interrupt(thread.cancel_handle())
    }

    /// `Err` (`ErrorKind::Cancelled`) when the run was cancelled.
    pub fn check(&self) -> Result<()> {
        if self.0.is_cancelled() {
            return Err(EvalError::with_kind(
                ErrorKind::Cancelled,
                "Starlark computation cancelled",
            ));
        }
        Ok(())
    }

    /// [`Interrupt::check`] once every [`CHECK_ROWS`] rows (at row `i`).
    #[inline]
    pub fn every(&self, i: usize) -> Result<()> {
        if i & (CHECK_ROWS - 1) == 0 {
            self.check()
        } else {
            Ok(())
        }
    }

    /// Runs `kernel` (an Arrow kernel, which cannot poll) on a worker
    /// thread and waits for it, returning `Err` as soon as the run is
    /// cancelled: the kernel then finishes in the background and its result
    /// is dropped. Its memory must be charged before.
    pub fn run<T: Send + 'static>(&self, kernel: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        self.check()?;
        let (tx, rx) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("quarry-kernel".into())
            .spawn(move || {
                let _ = tx.send(kernel());
            });
        if spawned.is_err() {
            return Err(EvalError::new("cannot start a worker thread"));
        }
        loop {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(v) => return Ok(v),
                Err(mpsc::RecvTimeoutError::Timeout) => self.check()?,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(EvalError::new("a table kernel failed"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn sizes_count_the_rows_shown() {
        let s = StringArray::from(vec!["a", "bbbb", "cc"]);
        assert_eq!(array_bytes(&s), 4 * 4 + 7);
        assert_eq!(array_bytes(&s.slice(1, 1)), 2 * 4 + 4);
        let i = Int64Array::from(vec![1, 2, 3]);
        assert_eq!(array_bytes(&i), 24);
        assert_eq!(array_bytes(&i.slice(0, 1)), 8);
        let idx = UInt32Array::from(vec![1, 1, 1]);
        assert_eq!(take_bytes(&s, &idx), 4 * 4 + 1 + 12);
        let cols: Vec<ArrayRef> = vec![Arc::new(s), Arc::new(i)];
        assert_eq!(row_bytes(&cols, 1), 4 + 4 + 8 + 1);
    }
}
