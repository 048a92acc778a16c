//! The `html` module (Qri's `html.star`, after goquery): `html(body)`
//! parses an HTML document (HTML5 parsing, via `scraper`/html5ever) and
//! returns a `Selection` of the document node. A selection holds nodes of
//! one parsed document, in order, without duplicates, and has:
//!
//! - `find(css)`, `filter(css)`, `has(css)`, `children()`,
//!   `children_filtered(css)`, `contents()` (children with text nodes),
//!   `parent()`, `parents_until(css)`, `siblings()`, `first()`, `last()`,
//!   `eq(i)` (negative from the end): new selections;
//! - `attr(name)`: the first node's attribute, or `None`;
//! - `text()`: the text of every node and its descendants, concatenated;
//! - `get()`: a tuple of the nodes' tag names (a text node's text);
//!   `get(i)`: the i-th of those, or `None`;
//! - `is_selector(css)`: whether any node matches; `len()`: the node count.
//!
//! CSS selectors are the `selectors` crate's (CSS level 3 and some of 4).

use crate::util::{err, native_ref, str_cost};
use ego_tree::{NodeId, NodeRef};
use engine::args::required;
use engine::error::Result;
use engine::values::{Builtin, MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use scraper::{ElementRef, Html, Node, Selector};
use std::any::Any;
use std::collections::HashSet;
use std::rc::Rc;

/// What parsing costs per byte of source, roughly (nodes, names, text).
pub(crate) const PARSE_FACTOR: usize = 4;

/// The `html` function, as `load("html.star", "html")` binds it.
pub fn function() -> Value {
    Builtin::func("html", parse)
}

/// Parses `body` for `fname`, charging the run's budget for the tree.
pub(crate) fn parse_doc(thread: &mut Thread, fname: &str, body: &[u8]) -> Result<Rc<Html>> {
    crate::budget::charge(thread, fname, body.len().saturating_mul(PARSE_FACTOR))?;
    let text = String::from_utf8_lossy(body);
    Ok(Rc::new(Html::parse_document(&text)))
}

/// A CSS selector, or an error naming `fname`.
pub(crate) fn selector(fname: &str, css: &str) -> Result<Selector> {
    Selector::parse(css).map_err(|e| err(fname, format!("invalid selector {css:?}: {e}")))
}

/// The text of `node` and its descendants (text nodes only), appended.
pub(crate) fn push_text(node: NodeRef<'_, Node>, out: &mut String) {
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            out.push_str(t);
        }
    }
}

fn parse(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "html";
    let [body] = args.bind(F, &["body"])?;
    let body = required::<Vec<u8>>(F, "body", &body)?;
    let doc = parse_doc(thread, F, &body)?;
    let root = doc.tree.root().id();
    Ok(Value::native(Selection {
        doc,
        nodes: vec![root],
    }))
}

/// A goquery-style selection: nodes of one parsed document.
pub struct Selection {
    doc: Rc<Html>,
    nodes: Vec<NodeId>,
}

impl Selection {
    fn node(&self, id: NodeId) -> Option<NodeRef<'_, Node>> {
        self.doc.tree.get(id)
    }

    fn refs(&self) -> impl Iterator<Item = NodeRef<'_, Node>> {
        self.nodes.iter().filter_map(|id| self.doc.tree.get(*id))
    }

    fn with(&self, nodes: Vec<NodeId>) -> Value {
        let mut seen = HashSet::new();
        let nodes = nodes.into_iter().filter(|n| seen.insert(*n)).collect();
        Value::native(Selection {
            doc: self.doc.clone(),
            nodes,
        })
    }
}

fn matches(sel: &Selector, n: NodeRef<'_, Node>) -> bool {
    ElementRef::wrap(n).is_some_and(|e| sel.matches(&e))
}

const METHODS: &[(&str, MethodFn)] = &[
    ("attr", attr),
    ("children", children),
    ("children_filtered", children_filtered),
    ("contents", contents),
    ("eq", eq),
    ("filter", filter),
    ("find", find),
    ("first", first),
    ("get", get),
    ("has", has),
    ("is_selector", is_selector),
    ("last", last),
    ("len", len),
    ("parent", parent),
    ("parents_until", parents_until),
    ("siblings", siblings),
    ("text", text),
];

impl NativeValue for Selection {
    fn type_name(&self) -> &str {
        "Selection"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&format!("<Selection of {} nodes>", self.nodes.len()));
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(crate::util::bound_method(METHODS, this, name))
    }
    fn attr_names(&self) -> Vec<String> {
        crate::util::method_names(METHODS)
    }
    fn len(&self) -> Option<usize> {
        Some(self.nodes.len())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn this<'a>(fname: &str, recv: &'a Value) -> Result<&'a Selection> {
    native_ref::<Selection>(recv).ok_or_else(|| err(fname, "receiver is not a Selection"))
}

/// The one selector argument of a method.
fn css_arg(fname: &str, args: &Args) -> Result<Selector> {
    let [s] = args.bind(fname, &["selector"])?;
    selector(fname, &required::<String>(fname, "selector", &s)?)
}

fn attr(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "attr";
    let s = this(F, recv)?;
    let [name] = args.bind(F, &["name"])?;
    let name = required::<String>(F, "name", &name)?;
    let v = s
        .refs()
        .next()
        .and_then(|n| n.value().as_element().and_then(|e| e.attr(&name)));
    Ok(v.map_or(Value::None, Value::str))
}

fn element_children<'a>(n: NodeRef<'a, Node>) -> impl Iterator<Item = NodeRef<'a, Node>> {
    n.children().filter(|c| c.value().is_element())
}

fn children(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("children", recv)?;
    args.none("children")?;
    let ids = s
        .refs()
        .flat_map(element_children)
        .map(|c| c.id())
        .collect();
    Ok(s.with(ids))
}

fn children_filtered(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "children_filtered";
    let s = this(F, recv)?;
    let sel = css_arg(F, args)?;
    let ids = s
        .refs()
        .flat_map(element_children)
        .filter(|c| matches(&sel, *c))
        .map(|c| c.id())
        .collect();
    Ok(s.with(ids))
}

fn contents(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("contents", recv)?;
    args.none("contents")?;
    let ids = s
        .refs()
        .flat_map(|n| n.children())
        .map(|c| c.id())
        .collect();
    Ok(s.with(ids))
}

fn eq(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "eq";
    let s = this(F, recv)?;
    let [i] = args.bind(F, &["index"])?;
    let i = required::<i64>(F, "index", &i)?;
    let n = s.nodes.len() as i64;
    let i = if i < 0 { i + n } else { i };
    let ids = if (0..n).contains(&i) {
        vec![s.nodes[i as usize]]
    } else {
        Vec::new()
    };
    Ok(s.with(ids))
}

fn filter(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "filter";
    let s = this(F, recv)?;
    let sel = css_arg(F, args)?;
    let ids = s
        .refs()
        .filter(|n| matches(&sel, *n))
        .map(|n| n.id())
        .collect();
    Ok(s.with(ids))
}

fn find(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "find";
    let s = this(F, recv)?;
    let sel = css_arg(F, args)?;
    let ids = s
        .refs()
        .flat_map(|n| n.descendants().skip(1))
        .filter(|d| matches(&sel, *d))
        .map(|d| d.id())
        .collect();
    Ok(s.with(ids))
}

fn first(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("first", recv)?;
    args.none("first")?;
    Ok(s.with(s.nodes.first().copied().into_iter().collect()))
}

fn last(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("last", recv)?;
    args.none("last")?;
    Ok(s.with(s.nodes.last().copied().into_iter().collect()))
}

/// A node's `Data` as Go's html package has it: the tag name of an
/// element, the text of a text or comment node, the name of a doctype.
fn data(n: NodeRef<'_, Node>) -> String {
    match n.value() {
        Node::Element(e) => e.name().to_string(),
        Node::Text(t) => t.to_string(),
        Node::Comment(c) => c.to_string(),
        Node::Doctype(d) => d.name().to_string(),
        _ => String::new(),
    }
}

fn get(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "get";
    let s = this(F, recv)?;
    let [i] = args.bind(F, &["index?"])?;
    match i {
        None | Some(Value::None) => Ok(Value::tuple(
            s.refs().map(|n| Value::str(&data(n))).collect(),
        )),
        Some(i) => {
            let i = engine::args::convert::<i64>(F, "index", &i)?;
            let node = usize::try_from(i)
                .ok()
                .and_then(|i| s.nodes.get(i))
                .and_then(|id| s.node(*id));
            Ok(node.map_or(Value::None, |n| Value::str(&data(n))))
        }
    }
}

fn has(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "has";
    let s = this(F, recv)?;
    let sel = css_arg(F, args)?;
    let ids = s
        .refs()
        .filter(|n| n.descendants().skip(1).any(|d| matches(&sel, d)))
        .map(|n| n.id())
        .collect();
    Ok(s.with(ids))
}

fn is_selector(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "is_selector";
    let s = this(F, recv)?;
    let sel = css_arg(F, args)?;
    Ok(Value::Bool(s.refs().any(|n| matches(&sel, n))))
}

fn len(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("len", recv)?;
    args.none("len")?;
    Ok(Value::Int(s.nodes.len() as i64))
}

fn parent(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("parent", recv)?;
    args.none("parent")?;
    let ids = s
        .refs()
        .filter_map(|n| n.parent())
        .filter(|p| p.value().is_element())
        .map(|p| p.id())
        .collect();
    Ok(s.with(ids))
}

fn parents_until(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "parents_until";
    let s = this(F, recv)?;
    let sel = css_arg(F, args)?;
    let mut ids = Vec::new();
    for n in s.refs() {
        for a in n.ancestors() {
            if !a.value().is_element() || matches(&sel, a) {
                break;
            }
            ids.push(a.id());
        }
    }
    Ok(s.with(ids))
}

fn siblings(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("siblings", recv)?;
    args.none("siblings")?;
    let mut ids = Vec::new();
    for n in s.refs() {
        if let Some(p) = n.parent() {
            ids.extend(element_children(p).map(|c| c.id()).filter(|c| *c != n.id()));
        }
    }
    Ok(s.with(ids))
}

fn text(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = this("text", recv)?;
    args.none("text")?;
    let mut out = String::new();
    for n in s.refs() {
        push_text(n, &mut out);
    }
    crate::budget::charge(thread, "text", str_cost(out.len()))?;
    Ok(Value::str(&out))
}
