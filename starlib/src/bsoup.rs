//! The `bsoup` module (Qri's `bsoup.star`, after BeautifulSoup via Go's
//! `soup`): `bsoup.parseHtml(text)` parses an HTML document and returns
//! its document node as a `SoupNode`, which has:
//!
//! - `find(name="", attrs={}, **attrs)`: the first element below the node
//!   with that tag name (any, for `""`) whose attributes have the given
//!   values (a value matches an attribute equal to it or holding it as one
//!   of its space-separated words, as classes), or `None`;
//! - `find_all(...)`: every such element, as a list;
//! - `attrs()`: the element's attributes as a dict;
//! - `contents()`: the child nodes (text nodes included), as a list;
//! - `child(name)`: the first child element with that tag name, or `None`;
//! - `parent()`, `next_sibling()`, `prev_sibling()`: a node (siblings may
//!   be text nodes), or `None`;
//! - `get_text()`: the node's first child text that is not only
//!   whitespace (`""` if none).
//!
//! `str(node)` and `repr(node)` render the node as HTML.

use crate::html::parse_doc;
use crate::util::{err, module as make_module, native_ref, str_cost};
use ego_tree::{NodeId, NodeRef};
use engine::args::required;
use engine::error::Result;
use engine::values::{Builtin, MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use scraper::{ElementRef, Html, Node};
use std::any::Any;
use std::rc::Rc;

/// The `bsoup` module value.
pub fn module() -> Value {
    make_module(
        "bsoup",
        vec![("parseHtml", Builtin::func("bsoup.parseHtml", parse_html))],
    )
}

fn parse_html(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "bsoup.parseHtml";
    let [text] = args.bind(F, &["htmlText"])?;
    let body = required::<Vec<u8>>(F, "htmlText", &text)?;
    let doc = parse_doc(thread, F, &body)?;
    let id = doc.tree.root().id();
    Ok(Value::native(SoupNode { doc, id }))
}

/// One node of a parsed document.
pub struct SoupNode {
    doc: Rc<Html>,
    id: NodeId,
}

impl SoupNode {
    fn node(&self) -> Option<NodeRef<'_, Node>> {
        self.doc.tree.get(self.id)
    }

    fn at(&self, id: NodeId) -> Value {
        Value::native(SoupNode {
            doc: self.doc.clone(),
            id,
        })
    }
}

/// Text escaped as Go's `html.Render` escapes it.
fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
}

/// The node rendered as HTML.
fn render(doc: &Html, n: NodeRef<'_, Node>, out: &mut String) {
    match n.value() {
        Node::Document | Node::Fragment => out.push_str(&doc.html()),
        Node::Element(_) => {
            if let Some(e) = ElementRef::wrap(n) {
                out.push_str(&e.html());
            }
        }
        Node::Text(t) => escape_text(t, out),
        Node::Comment(c) => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
        }
        Node::Doctype(d) => {
            out.push_str("<!DOCTYPE ");
            out.push_str(d.name());
            out.push('>');
        }
        Node::ProcessingInstruction(_) => {}
    }
}

const METHODS: &[(&str, MethodFn)] = &[
    ("attrs", attrs),
    ("child", child),
    ("contents", contents),
    ("find", find),
    ("find_all", find_all),
    ("get_text", get_text),
    ("next_sibling", next_sibling),
    ("parent", parent),
    ("prev_sibling", prev_sibling),
];

impl NativeValue for SoupNode {
    fn type_name(&self) -> &str {
        "SoupNode"
    }
    fn repr(&self, out: &mut String) {
        if let Some(n) = self.node() {
            render(&self.doc, n, out);
        }
    }
    fn hash(&self) -> Result<u64> {
        Ok((Rc::as_ptr(&self.doc) as u64) ^ (format!("{:?}", self.id).len() as u64))
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(native_ref::<SoupNode>(other)
            .is_some_and(|o| Rc::ptr_eq(&o.doc, &self.doc) && o.id == self.id))
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(crate::util::bound_method(METHODS, this, name))
    }
    fn attr_names(&self) -> Vec<String> {
        crate::util::method_names(METHODS)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn this<'a>(fname: &str, recv: &'a Value) -> Result<&'a SoupNode> {
    native_ref::<SoupNode>(recv).ok_or_else(|| err(fname, "receiver is not a SoupNode"))
}

fn node_of<'a>(fname: &str, s: &'a SoupNode) -> Result<NodeRef<'a, Node>> {
    s.node()
        .ok_or_else(|| err(fname, "node is not in its document"))
}

/// The tag name and (attribute, value) pairs `find`'s arguments give.
fn find_args(fname: &str, args: &Args) -> Result<(String, Vec<(String, String)>)> {
    let mut name: Option<String> = None;
    let mut pairs = Vec::new();
    let text = |v: &Value| -> Result<String> {
        match v {
            Value::Str(s) => Ok(s.to_str_lossy().into_owned()),
            other => Err(err(
                fname,
                format!(
                    "attribute values must be strings, got {}",
                    other.type_name()
                ),
            )),
        }
    };
    for a in &args.positional {
        match a {
            Value::Str(s) => {
                if name.is_some() {
                    return Err(err(
                        fname,
                        format!(
                            "only one tagName parameter is allowed, found {:?}",
                            s.to_str_lossy()
                        ),
                    ));
                }
                name = Some(s.to_str_lossy().into_owned());
            }
            Value::Dict(d) => {
                for (k, v) in d.entries().iter() {
                    pairs.push((text(&k.value)?, text(v)?));
                }
            }
            other => {
                return Err(err(
                    fname,
                    format!("invalid parameter of type {}", other.type_name()),
                ))
            }
        }
    }
    for (k, v) in &args.named {
        pairs.push((k.to_string(), text(v)?));
    }
    Ok((name.unwrap_or_default(), pairs))
}

/// Whether element node `n` has tag `name` (any for "") and the attributes.
fn fits(n: NodeRef<'_, Node>, name: &str, pairs: &[(String, String)]) -> bool {
    let Some(e) = n.value().as_element() else {
        return false;
    };
    if !name.is_empty() && e.name() != name {
        return false;
    }
    pairs.iter().all(|(k, v)| {
        e.attr(k)
            .is_some_and(|a| a == v || a.split_ascii_whitespace().any(|w| w == v))
    })
}

fn find(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "find";
    let s = this(F, recv)?;
    let (name, pairs) = find_args(F, args)?;
    let n = node_of(F, s)?;
    let found = n.descendants().skip(1).find(|d| fits(*d, &name, &pairs));
    Ok(found.map_or(Value::None, |d| s.at(d.id())))
}

fn find_all(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "find_all";
    let s = this(F, recv)?;
    let (name, pairs) = find_args(F, args)?;
    let n = node_of(F, s)?;
    let ids: Vec<NodeId> = n
        .descendants()
        .skip(1)
        .filter(|d| fits(*d, &name, &pairs))
        .map(|d| d.id())
        .collect();
    crate::budget::charge(thread, F, ids.len() * 48)?;
    Ok(Value::list(ids.into_iter().map(|id| s.at(id)).collect()))
}

fn attrs(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "attrs";
    let s = this(F, recv)?;
    args.none(F)?;
    let n = node_of(F, s)?;
    let mut items = Vec::new();
    if let Some(e) = n.value().as_element() {
        for (k, v) in e.attrs() {
            crate::budget::charge(thread, F, str_cost(k.len()) + str_cost(v.len()))?;
            items.push((Value::str(k), Value::str(v)));
        }
    }
    crate::util::dict(items)
}

fn contents(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "contents";
    let s = this(F, recv)?;
    args.none(F)?;
    let ids: Vec<NodeId> = node_of(F, s)?.children().map(|c| c.id()).collect();
    crate::budget::charge(thread, F, ids.len() * 48)?;
    Ok(Value::list(ids.into_iter().map(|id| s.at(id)).collect()))
}

fn child(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "child";
    let s = this(F, recv)?;
    let [name] = args.bind(F, &["tagName"])?;
    let name = required::<String>(F, "tagName", &name)?;
    let found = node_of(F, s)?
        .children()
        .find(|c| c.value().as_element().is_some_and(|e| e.name() == name));
    Ok(found.map_or(Value::None, |c| s.at(c.id())))
}

fn relative(
    fname: &str,
    recv: &Value,
    args: &Args,
    step: fn(NodeRef<'_, Node>) -> Option<NodeRef<'_, Node>>,
) -> Result<Value> {
    let s = this(fname, recv)?;
    args.none(fname)?;
    Ok(step(node_of(fname, s)?).map_or(Value::None, |n| s.at(n.id())))
}

fn parent(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    relative("parent", recv, args, |n| n.parent())
}

fn next_sibling(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    relative("next_sibling", recv, args, |n| n.next_sibling())
}

fn prev_sibling(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    relative("prev_sibling", recv, args, |n| n.prev_sibling())
}

fn get_text(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "get_text";
    let s = this(F, recv)?;
    args.none(F)?;
    let text = node_of(F, s)?.children().find_map(|c| match c.value() {
        Node::Text(t) if !t.trim().is_empty() => Some(t.to_string()),
        _ => None,
    });
    Ok(Value::str(text.as_deref().unwrap_or("")))
}
