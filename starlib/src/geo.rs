//! The `geo` module (Qri's `geo.star`, after Go's `orb`): points, lines,
//! polygons and multi-polygons with planar and geodesic measures.
//!
//! - `geo.Point(x, y)`: `.x`/`.lat` (the first coordinate), `.y`/`.lng`
//!   (the second), `.distance(p)` (planar), `.distanceGeodesic(p)` (metres,
//!   orb's equirectangular approximation on a sphere of radius 6378137 m,
//!   with `x` as longitude and `y` as latitude, as orb reads them).
//! - `geo.Line(points)`: from points or `[x, y]` pairs; indexable;
//!   `.length()` (planar), `.lengthGeodesic()` (metres).
//! - `geo.Polygon(rings)`: closed lines (the outer ring, then holes).
//! - `geo.MultiPolygon(polygons)`.
//! - `geo.within(a, b)`: whether point or line `a` lies within polygon or
//!   multi-polygon `b` (orb's planar ray casting; a point on the boundary
//!   is within).
//! - `geo.parseGeoJSON(text)`: a GeoJSON FeatureCollection as a tuple
//!   `(geometries, properties)`: Points, LineStrings and Polygons, and
//!   each feature's properties as a dict (numbers as floats, as Go decoded
//!   them).
//! - `geo.intersects` is not implemented (nor was it in Qri).

use crate::util::bound_method;
use crate::util::{err, module as make_module, native_ref};
use engine::args::{convert, required};
use engine::error::Result;
use engine::values::{Builtin, MethodFn, NativeIter, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::rc::Rc;

/// orb's Earth radius, in metres.
const EARTH_RADIUS: f64 = 6378137.0;

/// The `geo` module value.
pub fn module() -> Value {
    make_module(
        "geo",
        vec![
            ("Point", Builtin::func("geo.Point", new_point)),
            ("Line", Builtin::func("geo.Line", new_line)),
            ("Polygon", Builtin::func("geo.Polygon", new_polygon)),
            (
                "MultiPolygon",
                Builtin::func("geo.MultiPolygon", new_multi_polygon),
            ),
            ("within", Builtin::func("geo.within", within)),
            ("intersects", Builtin::func("geo.intersects", intersects)),
            (
                "parseGeoJSON",
                Builtin::func("geo.parseGeoJSON", parse_geojson),
            ),
        ],
    )
}

// ---------------------------------------------------------------- maths

/// A point: `[x, y]` (orb reads x as longitude, y as latitude).
type Pt = [f64; 2];

fn deg2rad(d: f64) -> f64 {
    d * std::f64::consts::PI / 180.0
}

/// Planar distance.
fn planar_distance(a: Pt, b: Pt) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}

/// orb's `geo.Distance`: Pythagoras on an equirectangular projection.
fn geo_distance(a: Pt, b: Pt) -> f64 {
    let d_lat = deg2rad(a[1] - b[1]);
    let mut d_lon = deg2rad(a[0] - b[0]).abs();
    if d_lon > std::f64::consts::PI {
        d_lon = 2.0 * std::f64::consts::PI - d_lon;
    }
    let x = d_lon * deg2rad((a[1] + b[1]) / 2.0).cos();
    (d_lat * d_lat + x * x).sqrt() * EARTH_RADIUS
}

fn length(pts: &[Pt], d: fn(Pt, Pt) -> f64) -> f64 {
    pts.windows(2).map(|w| d(w[0], w[1])).sum()
}

/// Whether the ray from `p` crosses segment s–e, or `p` is on it.
fn ray_intersect(p: Pt, mut s: Pt, mut e: Pt) -> (bool, bool) {
    if s[0] > e[0] {
        std::mem::swap(&mut s, &mut e);
    }
    let vertical_through =
        s[0] == e[0] && ((p[1] >= s[1] && p[1] <= e[1]) || (p[1] <= s[1] && p[1] >= e[1]));
    if p[0] == s[0] {
        // p is the start, or on a vertical segment.
        if p[1] == s[1] || vertical_through {
            return (false, true);
        }
    } else if p[0] == e[0] && p[1] == e[1] {
        return (false, true);
    }
    if p[0] < s[0] || p[0] >= e[0] {
        return (false, false);
    }
    let rs = (p[1] - s[1]) / (p[0] - s[0]);
    let ds = (e[1] - s[1]) / (e[0] - s[0]);
    if rs == ds {
        return (false, true);
    }
    (rs <= ds, false)
}

fn ring_contains(r: &[Pt], p: Pt) -> bool {
    let Some((&first, &last)) = r.first().zip(r.last()) else {
        return false;
    };
    let (min_x, max_x, min_y, max_y) = r.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), q| (a.min(q[0]), b.max(q[0]), c.min(q[1]), d.max(q[1])),
    );
    if p[0] < min_x || p[0] > max_x || p[1] < min_y || p[1] > max_y {
        return false;
    }
    let (mut c, on) = ray_intersect(p, first, last);
    if on {
        return true;
    }
    for w in r.windows(2) {
        let (inter, on) = ray_intersect(p, w[0], w[1]);
        if on {
            return true;
        }
        if inter {
            c = !c;
        }
    }
    c
}

fn polygon_contains(rings: &[Rc<Line>], p: Pt) -> bool {
    let Some(outer) = rings.first() else {
        return false;
    };
    ring_contains(&outer.0, p) && !rings[1..].iter().any(|h| ring_contains(&h.0, p))
}

// ---------------------------------------------------------------- values

/// `geo.Point`.
#[derive(Clone, Copy)]
pub struct Point(Pt);

/// `geo.Line`: a sequence of points.
pub struct Line(Vec<Pt>);

/// `geo.Polygon`: closed rings, the outer one first.
pub struct Polygon(Vec<Rc<Line>>);

/// `geo.MultiPolygon`.
pub struct MultiPolygon(Vec<Rc<Polygon>>);

/// Go's `%f`: six decimals.
fn point_text(p: Pt) -> String {
    format!("({:.6},{:.6})", p[0], p[1])
}

const POINT_METHODS: &[(&str, MethodFn)] = &[
    ("distance", point_distance),
    ("distanceGeodesic", point_distance_geodesic),
];

impl NativeValue for Point {
    fn type_name(&self) -> &str {
        "Point"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&point_text(self.0));
    }
    fn truth(&self) -> bool {
        self.0[0] != 0.0 && self.0[1] != 0.0
    }
    fn hash(&self) -> Result<u64> {
        Ok(self.0[0].to_bits().wrapping_mul(31) ^ self.0[1].to_bits())
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(native_ref::<Point>(other).is_some_and(|o| o.0 == self.0))
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(match name {
            "x" | "lat" => Some(Value::Float(self.0[0])),
            "y" | "lng" => Some(Value::Float(self.0[1])),
            _ => bound_method(POINT_METHODS, this, name),
        })
    }
    fn attr_names(&self) -> Vec<String> {
        ["distance", "distanceGeodesic", "lat", "lng", "x", "y"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const LINE_METHODS: &[(&str, MethodFn)] = &[
    ("length", line_length),
    ("lengthGeodesic", line_length_geodesic),
];

/// `x[i]` over `n` items, negative from the end.
fn index_of(type_name: &str, key: &Value, n: usize) -> Result<usize> {
    let i = convert::<i64>(type_name, "index", key)?;
    let j = if i < 0 { i + n as i64 } else { i };
    usize::try_from(j)
        .ok()
        .filter(|j| *j < n)
        .ok_or_else(|| err(type_name, format!("index {i} out of range [0:{n}]")))
}

impl NativeValue for Line {
    fn type_name(&self) -> &str {
        "Line"
    }
    fn repr(&self, out: &mut String) {
        out.push('[');
        for p in &self.0 {
            out.push_str(&point_text(*p));
            out.push(' ');
        }
        out.push(']');
    }
    fn truth(&self) -> bool {
        !self.0.is_empty()
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(bound_method(LINE_METHODS, this, name))
    }
    fn attr_names(&self) -> Vec<String> {
        vec!["length".into(), "lengthGeodesic".into()]
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn index(&self, key: &Value) -> Result<Value> {
        let i = index_of("Line", key, self.0.len())?;
        Ok(Value::native(Point(self.0[i])))
    }
    fn iterate(&self) -> Option<NativeIter> {
        let pts = self.0.clone();
        Some(Box::new(pts.into_iter().map(|p| Value::native(Point(p)))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl NativeValue for Polygon {
    fn type_name(&self) -> &str {
        "Polygon"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&format!("polygon {} rings", self.0.len()));
    }
    fn truth(&self) -> bool {
        !self.0.is_empty()
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn index(&self, key: &Value) -> Result<Value> {
        let i = index_of("Polygon", key, self.0.len())?;
        Ok(Value::Native(Rc::new(Box::new(Line(self.0[i].0.clone())))))
    }
    fn iterate(&self) -> Option<NativeIter> {
        let rings: Vec<Vec<Pt>> = self.0.iter().map(|l| l.0.clone()).collect();
        Some(Box::new(rings.into_iter().map(|l| Value::native(Line(l)))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl NativeValue for MultiPolygon {
    fn type_name(&self) -> &str {
        "MultiPolygon"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&format!("multi polygon {} polygons", self.0.len()));
    }
    fn truth(&self) -> bool {
        !self.0.is_empty()
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn index(&self, key: &Value) -> Result<Value> {
        let i = index_of("MultiPolygon", key, self.0.len())?;
        Ok(Value::native(Polygon(self.0[i].0.clone())))
    }
    fn iterate(&self) -> Option<NativeIter> {
        let polys: Vec<Vec<Rc<Line>>> = self.0.iter().map(|p| p.0.clone()).collect();
        Some(Box::new(
            polys.into_iter().map(|p| Value::native(Polygon(p))),
        ))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

// ---------------------------------------------------------------- constructors

fn number(fname: &str, pname: &str, v: &Value) -> Result<f64> {
    match v {
        Value::Int(_) | Value::Float(_) | Value::BigInt(_) => convert::<f64>(fname, pname, v),
        other => Err(err(
            fname,
            format!("invalid type {:?} expected int or float", other.type_name()),
        )),
    }
}

fn new_point(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "geo.Point";
    let [x, y] = args.bind(F, &["x", "y"])?;
    let x = number(F, "x", x.as_ref().unwrap_or(&Value::None))?;
    let y = number(F, "y", y.as_ref().unwrap_or(&Value::None))?;
    Ok(Value::native(Point([x, y])))
}

/// Points from a list of points and `[x, y]` pairs.
fn points_of(fname: &str, v: &Value) -> Result<Vec<Pt>> {
    if let Some(l) = native_ref::<Line>(v) {
        return Ok(l.0.clone());
    }
    let items = convert::<Vec<Value>>(fname, "points", v)?;
    let mut pts = Vec::with_capacity(items.len());
    for item in &items {
        if let Some(p) = native_ref::<Point>(item) {
            pts.push(p.0);
            continue;
        }
        match item {
            Value::List(_) | Value::Tuple(_) => {
                let xy = convert::<Vec<Value>>(fname, "points", item)?;
                if xy.len() != 2 {
                    return Err(err(
                        fname,
                        format!(
                            "wrong number elements for point. expected 2, got: {}",
                            xy.len()
                        ),
                    ));
                }
                pts.push([number(fname, "x", &xy[0])?, number(fname, "y", &xy[1])?]);
            }
            other => {
                return Err(err(
                    fname,
                    format!("invalid type '{}' to create line", other.type_name()),
                ))
            }
        }
    }
    Ok(pts)
}

fn new_line(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "geo.Line";
    let [points] = args.bind(F, &["points"])?;
    let pts = points_of(F, points.as_ref().unwrap_or(&Value::None))?;
    crate::budget::charge(thread, F, pts.len() * 16 + 32)?;
    Ok(Value::native(Line(pts)))
}

fn rings_of(fname: &str, v: &Value) -> Result<Vec<Rc<Line>>> {
    let items = convert::<Vec<Value>>(fname, "rings", v)?;
    let mut rings = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pts = match item {
            Value::List(_) | Value::Tuple(_) | Value::Native(_) => points_of(fname, item)?,
            other => {
                return Err(err(
                    fname,
                    format!("invalid type for creating polygon: {}", other.type_name()),
                ))
            }
        };
        let closed = pts.first().zip(pts.last()).is_some_and(|(a, b)| a == b);
        if !closed {
            return Err(err(fname, format!("line {i} is not closed")));
        }
        rings.push(Rc::new(Line(pts)));
    }
    Ok(rings)
}

fn new_polygon(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "geo.Polygon";
    let [rings] = args.bind(F, &["rings"])?;
    let rings = rings_of(F, rings.as_ref().unwrap_or(&Value::None))?;
    let n: usize = rings.iter().map(|r| r.0.len()).sum();
    crate::budget::charge(thread, F, n * 16 + 32)?;
    Ok(Value::native(Polygon(rings)))
}

fn new_multi_polygon(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "geo.MultiPolygon";
    let [polygons] = args.bind(F, &["polygons"])?;
    let items = required::<Vec<Value>>(F, "polygons", &polygons)?;
    let mut polys = Vec::with_capacity(items.len());
    for item in &items {
        match native_ref::<Polygon>(item) {
            Some(p) => polys.push(Rc::new(Polygon(p.0.clone()))),
            None => {
                return Err(err(
                    F,
                    format!(
                        "invalid type for creating MultiPolygon: {}",
                        item.type_name()
                    ),
                ))
            }
        }
    }
    Ok(Value::native(MultiPolygon(polys)))
}

// ---------------------------------------------------------------- methods

fn point_arg(fname: &str, args: &Args) -> Result<Pt> {
    let [p2] = args.bind(fname, &["p2"])?;
    let p2 = p2.unwrap_or(Value::None);
    native_ref::<Point>(&p2).map(|p| p.0).ok_or_else(|| {
        err(
            fname,
            format!("for parameter p2: got {}, want Point", p2.type_name()),
        )
    })
}

fn recv_point(fname: &str, recv: &Value) -> Result<Pt> {
    native_ref::<Point>(recv)
        .map(|p| p.0)
        .ok_or_else(|| err(fname, "receiver is not a Point"))
}

fn point_distance(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "distance";
    let (a, b) = (recv_point(F, recv)?, point_arg(F, args)?);
    Ok(Value::Float(planar_distance(a, b)))
}

fn point_distance_geodesic(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "distanceGeodesic";
    let (a, b) = (recv_point(F, recv)?, point_arg(F, args)?);
    Ok(Value::Float(geo_distance(a, b)))
}

fn recv_line<'a>(fname: &str, recv: &'a Value) -> Result<&'a Line> {
    native_ref::<Line>(recv).ok_or_else(|| err(fname, "receiver is not a Line"))
}

fn line_length(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    args.none("length")?;
    Ok(Value::Float(length(
        &recv_line("length", recv)?.0,
        planar_distance,
    )))
}

fn line_length_geodesic(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    args.none("lengthGeodesic")?;
    Ok(Value::Float(length(
        &recv_line("lengthGeodesic", recv)?.0,
        geo_distance,
    )))
}

// ---------------------------------------------------------------- functions

fn within(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "geo.within";
    let [a, b] = args.bind(F, &["a", "b"])?;
    let (a, b) = (a.unwrap_or(Value::None), b.unwrap_or(Value::None));
    let contains: Box<dyn Fn(Pt) -> bool> = if let Some(p) = native_ref::<Polygon>(&b) {
        let rings = p.0.clone();
        Box::new(move |pt| polygon_contains(&rings, pt))
    } else if let Some(m) = native_ref::<MultiPolygon>(&b) {
        let polys = m.0.clone();
        Box::new(move |pt| polys.iter().any(|p| polygon_contains(&p.0, pt)))
    } else {
        return Err(err(
            F,
            format!(
                "within b value must be either a Polygon or Multipolygon. got: {}",
                b.type_name()
            ),
        ));
    };
    if let Some(p) = native_ref::<Point>(&a) {
        return Ok(Value::Bool(contains(p.0)));
    }
    if let Some(l) = native_ref::<Line>(&a) {
        return Ok(Value::Bool(l.0.iter().all(|p| contains(*p))));
    }
    if native_ref::<Polygon>(&a).is_some() {
        return Err(err(
            F,
            "checking polygons-within-polygons is not yet supported",
        ));
    }
    Err(err(F, format!("unrecognized type: {}", a.type_name())))
}

fn intersects(_t: &mut Thread, _args: &Args) -> Result<Value> {
    Err(err(
        "geo.intersects",
        "not implemented (Qri's starlib did not finish it either)",
    ))
}

fn json_to_value(v: &serde_json::Value) -> Result<Value> {
    Ok(match v {
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => {
            Value::list(a.iter().map(json_to_value).collect::<Result<_>>()?)
        }
        serde_json::Value::Object(o) => crate::util::dict(
            o.iter()
                .map(|(k, v)| Ok((Value::str(k), json_to_value(v)?)))
                .collect::<Result<_>>()?,
        )?,
    })
}

fn coords(fname: &str, v: &serde_json::Value) -> Result<Pt> {
    match v.as_array().map(|a| a.as_slice()) {
        Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Ok([x, y]),
            _ => Err(err(fname, "invalid coordinates")),
        },
        _ => Err(err(fname, "invalid coordinates")),
    }
}

fn coord_list(fname: &str, v: &serde_json::Value) -> Result<Vec<Pt>> {
    v.as_array()
        .ok_or_else(|| err(fname, "invalid coordinates"))?
        .iter()
        .map(|c| coords(fname, c))
        .collect()
}

fn geometry(fname: &str, g: &serde_json::Value) -> Result<Value> {
    let kind = g.get("type").and_then(|t| t.as_str()).unwrap_or("");
    let c = g.get("coordinates").unwrap_or(&serde_json::Value::Null);
    match kind {
        "Point" => Ok(Value::native(Point(coords(fname, c)?))),
        "LineString" => Ok(Value::native(Line(coord_list(fname, c)?))),
        "Polygon" => {
            let rings = c
                .as_array()
                .ok_or_else(|| err(fname, "invalid coordinates"))?
                .iter()
                .map(|r| Ok(Rc::new(Line(coord_list(fname, r)?))))
                .collect::<Result<_>>()?;
            Ok(Value::native(Polygon(rings)))
        }
        other => Err(err(fname, format!("unrecognized geoJSON type: {other}"))),
    }
}

fn parse_geojson(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "geo.parseGeoJSON";
    let [data] = args.bind(F, &["data"])?;
    let text = match &data {
        Some(Value::Str(s)) => s.as_bytes().to_vec(),
        _ => return Err(err(F, "invalid argument type, expected string")),
    };
    crate::budget::charge(thread, F, text.len().saturating_mul(4))?;
    let doc: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| err(F, format!("invalid JSON: {e}")))?;
    if doc.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(err(F, "not a FeatureCollection"));
    }
    let features = doc
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| err(F, "FeatureCollection has no features list"))?;
    let mut geoms = Vec::with_capacity(features.len());
    let mut props = Vec::with_capacity(features.len());
    for f in features {
        let g = f.get("geometry").unwrap_or(&serde_json::Value::Null);
        geoms.push(geometry(F, g)?);
        props.push(match f.get("properties") {
            None | Some(serde_json::Value::Null) => crate::util::dict(Vec::new())?,
            Some(p) => json_to_value(p)?,
        });
    }
    Ok(Value::tuple(vec![Value::list(geoms), Value::list(props)]))
}
