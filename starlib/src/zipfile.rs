//! The `ZipFile` module (Qri's `zipfile.star`, a subset of Python's
//! `zipfile`): `ZipFile(data)` opens a zip archive held in a string or
//! bytes; `.namelist()` lists its entries in archive order;
//! `.open(name)` returns the entry, whose `.read()` returns its contents
//! as a string. Stored and deflated entries are supported. Contents are
//! charged to the run's memory budget as they are inflated.

use crate::util::bound_method;
use crate::util::{err, native_ref, read_charged, str_cost};
use engine::args::required;
use engine::error::Result;
use engine::values::{Builtin, MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::cell::RefCell;
use std::io::Cursor;
use std::rc::Rc;
use zip::ZipArchive;

/// The `ZipFile` constructor, as `load("zipfile.star", "ZipFile")` binds it.
pub fn constructor() -> Value {
    Builtin::func("ZipFile", new_zipfile)
}

type Archive = ZipArchive<Cursor<Rc<[u8]>>>;

/// An open zip archive (`type` "ZipFile").
pub struct ZipFile {
    archive: Rc<RefCell<Archive>>,
}

/// One entry of a [`ZipFile`] (`type` "ZipInfo").
pub struct ZipInfo {
    archive: Rc<RefCell<Archive>>,
    name: Vec<u8>,
}

fn new_zipfile(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "ZipFile";
    let [file] = args.bind(F, &["file"])?;
    let data = required::<Vec<u8>>(F, "file", &file)?;
    crate::budget::charge(thread, F, str_cost(data.len()))?;
    let bytes: Rc<[u8]> = data.into();
    let archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| err(F, format!("not a zip archive: {e}")))?;
    Ok(Value::native(ZipFile {
        archive: Rc::new(RefCell::new(archive)),
    }))
}

const ZIP_METHODS: &[(&str, MethodFn)] = &[("namelist", namelist), ("open", open)];
const INFO_METHODS: &[(&str, MethodFn)] = &[("read", read)];

impl NativeValue for ZipFile {
    fn type_name(&self) -> &str {
        "ZipFile"
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(bound_method(ZIP_METHODS, this, name))
    }
    fn attr_names(&self) -> Vec<String> {
        ZIP_METHODS.iter().map(|(n, _)| n.to_string()).collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl NativeValue for ZipInfo {
    fn type_name(&self) -> &str {
        "ZipInfo"
    }
    fn repr(&self, out: &mut String) {
        out.push_str("<ZipInfo ");
        out.push_str(&String::from_utf8_lossy(&self.name));
        out.push('>');
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        if name == "name" {
            return Ok(Some(Value::str_bytes(self.name.clone())));
        }
        Ok(bound_method(INFO_METHODS, this, name))
    }
    fn attr_names(&self) -> Vec<String> {
        vec!["name".into(), "read".into()]
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn zip_of<'a>(fname: &str, recv: &'a Value) -> Result<&'a ZipFile> {
    native_ref::<ZipFile>(recv).ok_or_else(|| err(fname, "receiver is not a ZipFile"))
}

fn namelist(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "ZipFile.namelist";
    args.none(F)?;
    let z = zip_of(F, recv)?;
    let archive = z.archive.borrow();
    let names: Vec<Vec<u8>> = archive.file_names_raw().map(|n| n.to_vec()).collect();
    let cost: usize = names.iter().map(|n| str_cost(n.len())).sum();
    crate::budget::charge(thread, F, cost)?;
    Ok(Value::list(
        names.into_iter().map(Value::str_bytes).collect(),
    ))
}

fn open(_thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "ZipFile.open";
    let [name] = args.bind(F, &["name"])?;
    let name = required::<Vec<u8>>(F, "name", &name)?;
    let z = zip_of(F, recv)?;
    if !z.archive.borrow().file_names_raw().any(|n| n == name) {
        return Err(err(
            F,
            format!(
                "not found: no entry {:?} in the archive",
                String::from_utf8_lossy(&name)
            ),
        ));
    }
    Ok(Value::native(ZipInfo {
        archive: z.archive.clone(),
        name,
    }))
}

fn read(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "ZipInfo.read";
    args.none(F)?;
    let info = native_ref::<ZipInfo>(recv).ok_or_else(|| err(F, "receiver is not a ZipInfo"))?;
    let mut archive = info.archive.borrow_mut();
    // (`by_name_raw` would hand back the still-compressed bytes.)
    let index = archive
        .index_for_name_raw(&info.name)
        .ok_or_else(|| err(F, "entry no longer in the archive"))?;
    let entry = archive
        .by_index(index)
        .map_err(|e| err(F, format!("cannot open entry: {e}")))?;
    let data = read_charged(thread, F, entry, "zip")?;
    Ok(Value::str_bytes(data))
}
