//! The `ds` value scripts see: a dataset version being built.
//!
//! Attributes: `body` (get: a table under starlib 2.x, a list of rows under
//! 1.x, a fresh value on every read; set: a table, a list of dicts, or a list
//! of lists), `meta` (a live dict: changes to
//! it are kept), `readme`, `title`, `message` (the commit's). Methods:
//! `get_body()`, `set_body(data, parse_as=None)` (`parse_as` "json" or "csv"
//! parses a string), `get_meta()`, `set_meta(key, value)`, `get_structure()`,
//! `set_structure(structure)` (see [`crate::structure`]).
//! The predeclared `dataset(body=None, meta=None, readme=None, title=None,
//! message=None)` builds a new, empty dataset.
//!
//! A list of lists is read the way the script's starlib major reads bodies.
//! Under 2.x its first row is the header. Under 1.x, as in Qri, every row is
//! data, both read and written: the columns keep the names of the declared
//! structure or of the current body when the rows are as wide (so
//! `ds.set_body(ds.get_body())` is an identity), else they are named
//! `field_1`, `field_2`, ...; a Qri structure (`set_structure`) renames them
//! by position when the run ends.
//! A dataset bound to a global is frozen when the module finishes: setting
//! its fields fails, but it can still be returned.

use crate::convert::{
    body_to_frame, body_to_value, frame_to_body, json_to_value, parse_body, value_to_body, RowLists,
};
use datasets::Body;
use engine::args::type_error;
use engine::error::{ErrorKind, EvalError, Result};
use engine::values::{Builtin, MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use starlib::BodyForm;
use starlib::Release;
use std::any::Any;
use std::cell::{Cell, RefCell};

/// The mutable state of a dataset value.
#[derive(Clone)]
pub struct DatasetState {
    /// The body.
    pub body: Body,
    /// The metadata dict (a Starlark dict value).
    pub meta: Value,
    /// The readme.
    pub readme: Option<String>,
    /// The commit title the script set.
    pub title: Option<String>,
    /// The commit message the script set.
    pub message: Option<String>,
    /// The structure declared with `set_structure`, applied when the run ends.
    pub structure: Option<crate::structure::Declared>,
    /// Under 1.x, the DataFrame `ds.body` gave or was given (as Qri kept
    /// it): while set, it is the body, so changes made to it in place count.
    pub frame: Option<BodyFrame>,
}

/// The DataFrame a 1.x dataset's `ds.body` holds.
#[derive(Clone)]
pub struct BodyFrame {
    /// The DataFrame value.
    pub value: Value,
    /// Where a frame that was read came from (`None` when assigned): a frame
    /// the script did not change leaves that body exactly as it was, types
    /// a DataFrame cannot hold included.
    pub read_from: Option<ReadFrom>,
    /// Names for a frame whose columns are labelled by position: those of
    /// the declared structure or of the body it replaced, when as wide.
    pub names: Vec<Vec<String>>,
}

/// The body a read frame was made from, and what the frame gave back when
/// it was made (computed once, at the read).
#[derive(Clone)]
pub struct ReadFrom {
    /// The body as stored.
    pub body: Body,
    /// The untouched frame's body, or why it could not be made.
    pub round_trip: std::result::Result<Body, String>,
}

/// The body the DataFrame `v` holds, as a `ds.body` frame gives it back.
fn frame_body(v: &Value, names: &[Vec<String>]) -> std::result::Result<Body, String> {
    match frame_to_body("dataset.body", v, names) {
        Some(b) => b.map_err(|e| e.into_data().msg),
        None => Err("dataset.body: expected a DataFrame".to_string()),
    }
}

impl DatasetState {
    /// The body as it stands: the DataFrame's when `ds.body` holds one.
    pub fn current_body(&self) -> std::result::Result<Body, String> {
        let Some(f) = &self.frame else {
            return Ok(self.body.clone());
        };
        let now = frame_body(&f.value, &f.names)?;
        if let Some(read) = &f.read_from {
            let untouched = read.round_trip.as_ref().map_err(String::clone)?;
            if untouched.schema == now.schema && untouched.batches == now.batches {
                return Ok(read.body.clone());
            }
        }
        Ok(now)
    }

    /// Replaces the body (and the frame that stands for it, if any).
    fn set_body(&mut self, body: Body, frame: Option<BodyFrame>) {
        self.body = body;
        self.frame = frame;
    }

    /// The body conformed to the declared structure, if one was set.
    pub fn final_body(&self) -> std::result::Result<Body, String> {
        let body = self.current_body()?;
        match &self.structure {
            Some(d) => crate::structure::conform(&body, d),
            None => Ok(body),
        }
    }
}

impl std::fmt::Debug for DatasetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatasetValue")
    }
}

/// The Starlark `dataset` value.
pub struct DatasetValue {
    release: &'static Release,
    state: RefCell<DatasetState>,
    frozen: Cell<bool>,
}

const METHODS: &[(&str, MethodFn)] = &[
    ("get_body", m_get_body),
    ("get_meta", m_get_meta),
    ("get_structure", m_get_structure),
    ("set_body", m_set_body),
    ("set_meta", m_set_meta),
    ("set_structure", m_set_structure),
];

const ATTRS: &[&str] = &["body", "message", "meta", "readme", "title"];

/// An empty body: no columns, no rows.
pub fn empty_body() -> Body {
    Body {
        schema: std::sync::Arc::new(arrow_schema::Schema::empty()),
        batches: Vec::new(),
    }
}

impl DatasetValue {
    /// A dataset value with the given state.
    pub fn new(release: &'static Release, state: DatasetState) -> DatasetValue {
        DatasetValue {
            release,
            state: RefCell::new(state),
            frozen: Cell::new(false),
        }
    }

    /// A copy of the current state.
    pub fn state(&self) -> DatasetState {
        self.state.borrow().clone()
    }

    /// The dataset inside `v`, if it is one.
    pub fn from_value(v: &Value) -> Option<&DatasetValue> {
        match v {
            Value::Native(n) => n.as_any().downcast_ref::<DatasetValue>(),
            _ => None,
        }
    }

    fn check_mutable(&self, what: &str) -> Result<()> {
        if self.frozen.get() {
            return Err(EvalError::new(format!(
                "cannot set {what} of a frozen dataset"
            )));
        }
        Ok(())
    }

    /// The body as `get_body()` gives it (rows under 1.x, a table under 2.x).
    fn body_value(&self) -> Result<Value> {
        let body = self.state.borrow().current_body().map_err(EvalError::new)?;
        body_to_value(self.release.body_form, &body)
    }

    /// `ds.body`: under 1.x Qri's DataFrame, kept so that changes made to it
    /// in place are the dataset's; under 2.x the table.
    fn body_attr(&self) -> Result<Value> {
        if self.release.body_form == BodyForm::Table {
            return self.body_value();
        }
        if let Some(f) = &self.state.borrow().frame {
            return Ok(f.value.clone());
        }
        let body = self.state.borrow().body.clone();
        let frame = body_to_frame(&body)?;
        if self.frozen.get() {
            frame.freeze();
        } else {
            let round_trip = frame_body(&frame, &[]);
            self.state.borrow_mut().frame = Some(BodyFrame {
                value: frame.clone(),
                read_from: Some(ReadFrom { body, round_trip }),
                names: Vec::new(),
            });
        }
        Ok(frame)
    }

    /// `ds.body = v` under 1.x: `v` made a DataFrame as Qri's did (a list
    /// of rows, a dict of columns, a frame), kept as the body.
    fn set_body_frame(&self, thread: &mut Thread, v: Value) -> Result<()> {
        self.check_mutable("body")?;
        let frame = if starlib::dataframe::as_frame(&v).is_some() {
            v
        } else {
            starlib::dataframe::frame::new_frame(thread, &Args::positional(vec![v])).map_err(
                |mut e| {
                    e.msg = format!("dataset.body: {}", e.msg);
                    e
                },
            )?
        };
        let names = self.row_lists().data_names().to_vec();
        // Converted now, so a body that cannot be stored fails here.
        let body = frame_to_body("dataset.body", &frame, &names)
            .unwrap_or_else(|| Err(EvalError::new("dataset.body: expected a DataFrame")))?;
        self.state.borrow_mut().set_body(
            body,
            Some(BodyFrame {
                value: frame,
                read_from: None,
                names,
            }),
        );
        Ok(())
    }

    /// How this dataset reads a list of lists: under 1.x every row is data,
    /// named after the declared structure or the current body when as wide
    /// (so `ds.set_body(ds.get_body())` is an identity); under 2.x the first
    /// row is the header.
    fn row_lists(&self) -> RowLists {
        if self.release.body_form == BodyForm::Table {
            return RowLists::HeaderFirst;
        }
        let st = self.state.borrow();
        let declared = st
            .structure
            .iter()
            .map(|d| d.columns.iter().map(|c| c.name.clone()).collect());
        let current = st
            .body
            .schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        RowLists::AllData(declared.chain([current]).collect())
    }

    fn set_body_value(&self, fname: &str, v: &Value) -> Result<()> {
        self.check_mutable("body")?;
        let body = value_to_body(fname, v, &self.row_lists()).map_err(|mut e| {
            e.kind = ErrorKind::Host;
            e
        })?;
        self.state.borrow_mut().set_body(body, None);
        Ok(())
    }

    fn set_meta_value(&self, v: Value) -> Result<()> {
        self.check_mutable("meta")?;
        match v {
            Value::Dict(_) => {
                self.state.borrow_mut().meta = v;
                Ok(())
            }
            Value::None => {
                self.state.borrow_mut().meta = Value::new_dict();
                Ok(())
            }
            other => Err(EvalError::new(format!(
                "dataset.meta must be a dict, got {}",
                other.type_name()
            ))),
        }
    }

    fn set_text(&self, name: &str, v: Value) -> Result<()> {
        self.check_mutable(name)?;
        let text = match &v {
            Value::None => None,
            Value::Str(s) => Some(s.to_str_lossy().into_owned()),
            other => {
                return Err(EvalError::new(format!(
                    "dataset.{name} must be a string or None, got {}",
                    other.type_name()
                )))
            }
        };
        let mut st = self.state.borrow_mut();
        match name {
            "readme" => st.readme = text,
            "title" => st.title = text,
            _ => st.message = text,
        }
        Ok(())
    }

    fn structure(&self) -> Result<Value> {
        let body = self
            .state
            .borrow()
            .final_body()
            .map_err(|m| EvalError::new(format!("get_structure: {m}")))?;
        let fields: Vec<Value> = body
            .schema
            .fields()
            .iter()
            .map(|f| {
                dict(vec![
                    ("name", Value::str(f.name())),
                    (
                        "type",
                        Value::str(&starlib::table::convert::type_name(f.data_type())),
                    ),
                    ("nullable", Value::Bool(f.is_nullable())),
                ])
            })
            .collect();
        Ok(dict(vec![
            ("columns", Value::Int(body.schema.fields().len() as i64)),
            ("rows", Value::Int(body.num_rows() as i64)),
            ("schema", Value::list(fields)),
        ]))
    }
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    let d = Value::new_dict();
    if let Value::Dict(dd) = &d {
        for (k, v) in entries {
            // A fresh dict is unfrozen and string keys hash: cannot fail.
            let _ = dd.insert(Value::str(k), v);
        }
    }
    d
}

fn this(v: &Value) -> Result<&DatasetValue> {
    DatasetValue::from_value(v).ok_or_else(|| EvalError::new("not a dataset"))
}

/// `get_body(default=None)`: the body; for a dataset with no body yet,
/// `default` (under 1.x, as in Qri, None when no default is given).
fn m_get_body(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [default] = args.bind("get_body", &["default?"])?;
    let ds = this(recv)?;
    let no_body = {
        let st = ds.state.borrow();
        st.frame.is_none() && st.body.schema.fields().is_empty()
    };
    match (no_body, default) {
        (true, Some(d)) => Ok(d),
        (true, None) if ds.release.body_form == BodyForm::RowLists => Ok(Value::None),
        _ => ds.body_value(),
    }
}

/// `get_meta(key=None)`: the metadata dict. Under 2.x a key gives that
/// field (None when unset); under 1.x the key is ignored and the whole dict
/// returned, as Qri did.
fn m_get_meta(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [key] = args.bind("get_meta", &["key?"])?;
    let ds = this(recv)?;
    let meta = ds.state.borrow().meta.clone();
    match (key, &meta) {
        (Some(k), Value::Dict(d)) if ds.release.body_form == BodyForm::Table => {
            Ok(d.get(&k)?.unwrap_or(Value::None))
        }
        _ => Ok(meta),
    }
}

fn m_get_structure(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    args.none("get_structure")?;
    this(recv)?.structure()
}

fn m_set_structure(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [structure] = args.bind("set_structure", &["structure"])?;
    let ds = this(recv)?;
    ds.check_mutable("structure")?;
    let structure = structure.unwrap_or(Value::None);
    if structure.is_none() {
        ds.state.borrow_mut().structure = None;
        return Ok(Value::None);
    }
    let j = crate::convert::value_to_json("set_structure", &structure)?;
    if crate::structure::is_base_schema(&j) {
        ds.state.borrow_mut().structure = None;
        return Ok(Value::None);
    }
    let declared =
        crate::structure::parse(&j).map_err(|m| EvalError::new(format!("set_structure: {m}")))?;
    ds.state.borrow_mut().structure = Some(declared);
    Ok(Value::None)
}

fn m_set_body(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [data, parse_as] = args.bind("set_body", &["data", "parse_as?"])?;
    let ds = this(recv)?;
    let data = data.unwrap_or(Value::None);
    match parse_as {
        None | Some(Value::None) => ds.set_body_value("set_body", &data)?,
        Some(p) => {
            let fmt = p
                .as_str()
                .map(|s| s.to_str_lossy().into_owned())
                .ok_or_else(|| type_error("set_body", "parse_as", &p, "string"))?;
            let text = data
                .as_str()
                .map(|s| s.to_str_lossy().into_owned())
                .ok_or_else(|| type_error("set_body", "data", &data, "string"))?;
            ds.check_mutable("body")?;
            let body = parse_body(thread, "set_body", &text, &fmt, &ds.row_lists())?;
            ds.state.borrow_mut().set_body(body, None);
        }
    }
    Ok(Value::None)
}

fn m_set_meta(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [key, value] = args.bind("set_meta", &["key", "value"])?;
    let ds = this(recv)?;
    ds.check_mutable("meta")?;
    let key = key.unwrap_or(Value::None);
    if key.as_str().is_none() {
        return Err(type_error("set_meta", "key", &key, "string"));
    }
    let meta = ds.state.borrow().meta.clone();
    if let Value::Dict(d) = &meta {
        d.insert(key, value.unwrap_or(Value::None))?;
    }
    Ok(Value::None)
}

impl NativeValue for DatasetValue {
    fn type_name(&self) -> &str {
        "dataset"
    }

    fn deep_copy(&self, copy: &mut dyn FnMut(&Value) -> Value) -> Option<Value> {
        let mut state = self.state.borrow().clone();
        state.meta = copy(&state.meta);
        if let Some(f) = state.frame.as_mut() {
            f.value = copy(&f.value);
        }
        Some(Value::native(DatasetValue {
            release: self.release,
            state: RefCell::new(state),
            frozen: Cell::new(false),
        }))
    }

    fn repr(&self, out: &mut String) {
        let st = self.state.borrow();
        let rows: usize = st.body.batches.iter().map(|b| b.num_rows()).sum();
        out.push_str(&format!(
            "<dataset {} rows x {} columns>",
            rows,
            st.body.schema.fields().len()
        ));
    }

    fn freeze(&self) {
        self.frozen.set(true);
        let st = self.state.borrow();
        st.meta.freeze();
        if let Some(f) = &st.frame {
            f.value.freeze();
        }
    }

    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        let text = |t: &Option<String>| t.as_deref().map(Value::str).unwrap_or(Value::None);
        Ok(Some(match name {
            "body" => self.body_attr()?,
            "meta" => self.state.borrow().meta.clone(),
            "readme" => text(&self.state.borrow().readme),
            "title" => text(&self.state.borrow().title),
            "message" => text(&self.state.borrow().message),
            _ => match METHODS.iter().find(|(n, _)| *n == name) {
                Some((n, f)) => Builtin::method(n, this.clone(), *f),
                None => return Ok(None),
            },
        }))
    }

    fn attr_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ATTRS
            .iter()
            .chain(METHODS.iter().map(|(n, _)| n))
            .map(|s| s.to_string())
            .collect();
        v.sort();
        v
    }

    fn set_attr_in(&self, thread: &mut Thread, name: &str, value: Value) -> Result<()> {
        if name == "body" && self.release.body_form == BodyForm::RowLists {
            return self.set_body_frame(thread, value);
        }
        self.set_attr(name, value)
    }

    fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        match name {
            "body" => self.set_body_value("dataset.body", &value),
            "meta" => self.set_meta_value(value),
            "readme" | "title" | "message" => self.set_text(name, value),
            _ => Err(EvalError::new(format!(
                "dataset has no settable field .{name} (settable: body, meta, readme, title, message)"
            ))),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The predeclared `dataset(body=None, meta=None, readme=None, title=None,
/// message=None)` constructor for `release`.
pub fn constructor(release: &'static Release) -> Value {
    Builtin::host("dataset", move |_t, args| {
        if !args.positional.is_empty() {
            return Err(EvalError::new(
                "dataset: takes keyword arguments only (body=, meta=, readme=, title=, message=)",
            ));
        }
        let [body, meta, readme, title, message] = args.bind(
            "dataset",
            &["body?", "meta?", "readme?", "title?", "message?"],
        )?;
        let ds = DatasetValue::new(
            release,
            DatasetState {
                body: empty_body(),
                meta: Value::new_dict(),
                readme: None,
                title: None,
                message: None,
                structure: None,
                frame: None,
            },
        );
        if let Some(b) = body.filter(|b| !b.is_none()) {
            ds.set_body_value("dataset", &b)?;
        }
        if let Some(m) = meta {
            ds.set_meta_value(m)?;
        }
        for (name, v) in [("readme", readme), ("title", title), ("message", message)] {
            if let Some(v) = v {
                ds.set_text(name, v)?;
            }
        }
        Ok(Value::native(ds))
    })
}

/// A dataset value's meta dict from JSON metadata.
pub fn meta_value(meta: Option<&serde_json::Value>) -> Value {
    match meta {
        Some(j @ serde_json::Value::Object(_)) => json_to_value(j),
        _ => Value::new_dict(),
    }
}

/// The predeclared `load_dataset(ref)`: another dataset's version (the head
/// of `peer/name`, or `peer/name@<id prefix>` / `@~N`), read-only. Each
/// version read is appended to `inputs` for the new version's provenance.
pub fn loader(
    release: &'static Release,
    store: Option<std::sync::Arc<datasets::Store>>,
    inputs: std::rc::Rc<RefCell<Vec<datasets::InputVersion>>>,
) -> Value {
    Builtin::host("load_dataset", move |thread, args| {
        const F: &str = "load_dataset";
        let [r] = args.bind(F, &["ref"])?;
        let r = r.unwrap_or(Value::None);
        let Some(text) = r.as_str().map(|s| s.to_str_lossy().into_owned()) else {
            return Err(type_error(F, "ref", &r, "string"));
        };
        let Some(store) = store.as_ref() else {
            return Err(EvalError::with_kind(
                ErrorKind::Host,
                format!("{F}: no dataset store is available to this run"),
            ));
        };
        let fail = |e: datasets::DatasetError| {
            let hint = match &e {
                datasets::DatasetError::NotFound { name } => {
                    format!("; create it first, e.g. `quarry save {name} --body data.csv`")
                }
                _ => String::new(),
            };
            EvalError::with_kind(ErrorKind::Host, format!("{F}: {e}{hint}"))
        };
        let resolved = store.resolve(text.as_str()).map_err(fail)?;
        let at = datasets::DatasetRef::at(resolved.name.clone(), resolved.id);
        let version = store.get(&at).map_err(fail)?;
        let body = store.body(&at).map_err(fail)?;
        let bytes: usize = body.batches.iter().map(|b| b.get_array_memory_size()).sum();
        thread.account(bytes)?;
        let meta_json = version
            .meta
            .as_ref()
            .and_then(|m| serde_json::to_value(m).ok());
        let ds = DatasetValue::new(
            release,
            DatasetState {
                body,
                meta: meta_value(meta_json.as_ref()),
                readme: version.readme.clone(),
                title: None,
                message: None,
                structure: None,
                frame: None,
            },
        );
        ds.freeze();
        let input = datasets::InputVersion {
            dataset: resolved.name.to_string(),
            version: resolved.id,
        };
        let mut list = inputs.borrow_mut();
        if !list.contains(&input) {
            list.push(input);
        }
        Ok(Value::native(ds))
    })
}
