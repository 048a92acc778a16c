//! A CSV file parsed on a background thread ([`FileJob`]), so that parsing
//! overlaps with whatever consumes the batches (the store encodes Parquet),
//! and [`read_file`], which collects one into memory.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::batches::CsvBatches;
use crate::error::CsvError;
use crate::infer::{infer_all, start};
use crate::options::CsvOptions;
use crate::read::{full_schema, CsvData};

/// How many parsed batches may wait for the consumer.
const QUEUE_BATCHES: usize = 4;

/// How much a file is buffered by.
const READ_BUFFER: usize = 1 << 20;

/// A CSV file being parsed on its own thread.
///
/// Take the batches from [`FileJob::batches`], then call
/// [`FileJob::finish`]: it says whether the types were inferred from a
/// sample that misled inference, and gives the schema inferred from the
/// whole file to read it again with (the batches then stop early, without
/// an error).
pub struct FileJob {
    schema: SchemaRef,
    batches: Receiver<Result<RecordBatch, CsvError>>,
    handle: JoinHandle<Result<Option<SchemaRef>, CsvError>>,
}

impl FileJob {
    /// Open the file at `path`, infer its types from a sample (unless
    /// [`CsvOptions::schema`] is given) and start parsing it.
    pub fn spawn(path: &Path, opts: &CsvOptions) -> Result<FileJob, CsvError> {
        let mut file = open(path)?;
        let (schema, sample) = start(&mut file, opts)?;
        let inferred = opts.schema.is_none();
        let (tx, rx) = sync_channel(QUEUE_BATCHES);
        let path = path.to_path_buf();
        let opts = opts.clone();
        let sampled = schema.clone();
        let handle = std::thread::Builder::new()
            .name("quarry-csv".into())
            .spawn(move || -> Result<Option<SchemaRef>, CsvError> {
                let input = Cursor::new(sample).chain(BufReader::with_capacity(READ_BUFFER, file));
                for b in CsvBatches::new(input, sampled.clone(), &opts)? {
                    let e = match b {
                        Ok(b) => {
                            if tx.send(Ok(b)).is_err() {
                                return Ok(None); // the consumer gave up
                            }
                            continue;
                        }
                        Err(e) => e,
                    };
                    if inferred {
                        // The sample may have misled inference: infer from everything.
                        let all = || {
                            let f = BufReader::with_capacity(READ_BUFFER, open(&path)?);
                            infer_all(f, &opts, &sampled)
                        };
                        if let Some(full) = full_schema(&e, &sampled, all)? {
                            return Ok(Some(full));
                        }
                    }
                    let _ = tx.send(Err(e));
                    return Ok(None);
                }
                Ok(None)
            })
            .map_err(|e| CsvError::io("starting the csv reader thread", e))?;
        Ok(FileJob {
            schema,
            batches: rx,
            handle,
        })
    }

    /// The schema of the batches.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The batches as they are parsed (ending at the first error).
    pub fn batches(&self) -> impl Iterator<Item = Result<RecordBatch, CsvError>> + '_ {
        self.batches.iter()
    }

    /// Stop taking batches and wait for the thread: `Some(schema)` when the
    /// file must be read again with `schema`, inferred from every record.
    pub fn finish(self) -> Result<Option<SchemaRef>, CsvError> {
        drop(self.batches);
        self.handle.join().map_err(|_| CsvError::Panicked)?
    }
}

/// Open the file at `path`.
fn open(path: &Path) -> Result<File, CsvError> {
    File::open(path).map_err(|e| CsvError::io(format!("opening {}", path.display()), e))
}

/// Read a CSV file into memory, parsing on a background thread; when the
/// sample misled inference, the file is read again with types inferred
/// from every record.
pub fn read_file(path: &Path, opts: &CsvOptions) -> Result<CsvData, CsvError> {
    let job = FileJob::spawn(path, opts)?;
    let schema = job.schema().clone();
    let batches = job.batches().collect::<Result<Vec<_>, _>>()?;
    match job.finish()? {
        Some(full) => read_file(path, &opts.with_schema(full)),
        None => Ok(CsvData { schema, batches }),
    }
}
