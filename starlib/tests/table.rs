//! The `table` module (2.x): construction, column arithmetic and masks,
//! reshaping, grouping, joins, nulls, casts, output, and error messages.

mod common;
use common::*;

const L: &str = "load('table.star', 'table')\n";

fn t_ok(src: &str) -> engine::Members {
    ok("^2", &format!("{L}{src}"))
}

fn t_fails(src: &str, want: &str) -> String {
    fails("^2", &format!("{L}{src}"), want)
}

const PEOPLE: &str = r#"
t = table.from_rows([
    {"name": "ann", "city": "oslo", "age": 30, "score": 1.5},
    {"name": "bob", "city": "rome", "age": 25, "score": 2.0},
    {"name": "cy", "city": "oslo", "age": None, "score": 4.0},
    {"name": "dee", "city": "rome", "age": 41, "score": None},
])
"#;

#[test]
fn construction() {
    t_ok(&format!(
        "{PEOPLE}{}",
        r#"
assert_eq(len(t), 4)
assert_eq(t.columns, ["name", "city", "age", "score"])
assert_eq(t.schema, {"name": "string", "city": "string", "age": "int", "score": "float"})
assert_eq(t.row(2), {"name": "cy", "city": "oslo", "age": None, "score": 4.0})
assert_eq(t.row(-1)["name"], "dee")
l = table.from_rows([[1, "a"], [2, None]], columns = ["n", "s"])
assert_eq(l.rows(), [{"n": 1, "s": "a"}, {"n": 2, "s": None}])
c = table.from_columns({"x": [1, 2, 3], "y": [0.5, 1, None], "z": [True, False, True]})
assert_eq(c.schema, {"x": "int", "y": "float", "z": "bool"})
assert_eq(c["y"].to_list(), [0.5, 1.0, None])
assert_eq(table.from_columns({"a": c["x"]})["a"].to_list(), [1, 2, 3])
assert_eq(len(table.from_rows([])), 0)
sparse = table.from_rows([{"a": 1}, {"b": "x"}])
assert_eq(sparse.rows(), [{"a": 1, "b": None}, {"a": None, "b": "x"}])
col = table.column([1, 2], name = "k")
assert_eq([col.name, col.dtype, len(col)], ["k", "int", 2])
assert_eq(t.num_rows, 4)
assert_eq(t.num_columns, 4)
assert_true(t.nbytes > 0)
assert_eq(type(t["age"]), "column")
assert_eq(t["age"][0], 30)
assert_eq(t["age"][-2], None)
assert_eq([x for x in t["name"]], ["ann", "bob", "cy", "dee"])
"#
    ));
}

#[test]
fn column_arithmetic_and_masks() {
    t_ok(&format!(
        "{PEOPLE}{}",
        r#"
a = t["age"]
assert_eq((a + 1).to_list(), [31, 26, None, 42])
assert_eq((a * 2).to_list(), [60, 50, None, 82])
assert_eq((100 - a).to_list(), [70, 75, None, 59])
assert_eq((a / 2).to_list(), [15.0, 12.5, None, 20.5])
assert_eq((a // 2).to_list(), [15, 12, None, 20])
assert_eq((a % 7).to_list(), [2, 4, None, 6])
assert_eq((a + t["score"]).to_list(), [31.5, 27.0, None, None])
assert_eq((-t["score"]).to_list(), [-1.5, -2.0, -4.0, None])
m = a.gt(28)
assert_eq(m.dtype, "bool")
assert_eq(m.to_list(), [True, False, None, True])
assert_eq(a.ge(30).to_list(), [True, False, None, True])
assert_eq(a.lt(30).to_list(), [False, True, None, False])
assert_eq((a > 28).to_list(), a.gt(28).to_list())
assert_eq((28 < a).to_list(), a.gt(28).to_list())
assert_eq((a <= 25.5).to_list(), a.le(25.5).to_list())
assert_eq((t["city"] == "oslo").to_list(), [True, False, True, False])
assert_eq((t["city"] != "oslo").to_list(), [False, True, False, True])
assert_eq(a.le(25.5).to_list(), [False, True, None, False])
assert_eq(t["city"].eq("oslo").to_list(), [True, False, True, False])
assert_eq(t["city"].ne("oslo").to_list(), [False, True, False, True])
assert_eq(a.eq(t["age"]).to_list(), [True, True, None, True])
both = t["city"].eq("rome") & a.gt(30)
assert_eq(both.to_list(), [False, False, False, True])
either = t["city"].eq("oslo") | a.gt(30)
assert_eq(either.to_list(), [True, False, True, True])
assert_eq((~t["city"].eq("oslo")).to_list(), [False, True, False, True])
assert_eq(a.is_null().to_list(), [False, False, True, False])
assert_eq(a.is_not_null().to_list(), [True, True, False, True])
assert_eq([a.sum(), a.min(), a.max(), a.count()], [96, 25, 41, 3])
assert_eq(a.mean(), 32.0)
assert_eq(t["score"].sum(), 7.5)
assert_eq(t["name"].min(), "ann")
assert_eq(t["name"].max(), "dee")
assert_eq(t["city"].unique().to_list(), ["oslo", "rome"])
assert_eq(a.fill_null(0).to_list(), [30, 25, 0, 41])
assert_eq(a.cast("float").to_list(), [30.0, 25.0, None, 41.0])
assert_eq(a.cast("string").to_list(), ["30", "25", None, "41"])
assert_eq(a.rename("years").name, "years")
assert_eq(table.column([], name = "e").sum(), 0)
assert_eq(table.column([], name = "e").mean(), None)
"#
    ));
}

#[test]
fn reshaping() {
    t_ok(&format!(
        "{PEOPLE}{}",
        r#"
f = t.filter(t["age"].gt(26))
assert_eq(f["name"].to_list(), ["ann", "dee"])
assert_eq(t.filter([True, False, False, True])["name"].to_list(), ["ann", "dee"])
assert_eq(t.select("name", "age").columns, ["name", "age"])
assert_eq(t.select(["age", "name"]).columns, ["age", "name"])
assert_eq(t.drop("score").columns, ["name", "city", "age"])
assert_eq(t.rename({"name": "who"}).columns, ["who", "city", "age", "score"])
w = t.with_column("age2", t["age"] * 2).with_column("one", 1).with_column("age", t["age"].fill_null(0))
assert_eq(w.columns, ["name", "city", "age", "score", "age2", "one"])
assert_eq(w["one"].to_list(), [1, 1, 1, 1])
assert_eq(w["age"].to_list(), [30, 25, 0, 41])
assert_eq(w.with_column("l", ["a", "b", "c", "d"])["l"].to_list(), ["a", "b", "c", "d"])
s = t.sort_by("age")
assert_eq(s["name"].to_list(), ["bob", "ann", "dee", "cy"])
s2 = t.sort_by("age", descending = True)
assert_eq(s2["name"].to_list(), ["dee", "ann", "bob", "cy"])
s3 = t.sort_by(["city", "score"], descending = [False, True])
assert_eq(s3["name"].to_list(), ["cy", "ann", "bob", "dee"])
assert_eq(t.head(2)["name"].to_list(), ["ann", "bob"])
assert_eq(t.head()["name"].to_list(), ["ann", "bob", "cy", "dee"])
assert_eq(t.tail(1)["name"].to_list(), ["dee"])
assert_eq(t.slice(1, 2)["name"].to_list(), ["bob", "cy"])
assert_eq(t.slice(3)["name"].to_list(), ["dee"])
assert_eq(len(t.slice(10)), 0)
d = table.from_rows([{"a": 1, "b": "x"}, {"a": 1, "b": "x"}, {"a": 2, "b": "x"}, {"a": 1, "b": "y"}])
assert_eq(d.distinct().rows(), [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}, {"a": 1, "b": "y"}])
c = table.concat([t.head(1), t.tail(1)])
assert_eq(c["name"].to_list(), ["ann", "dee"])
assert_eq(t.head(1).concat(t.tail(1), t.tail(1))["name"].to_list(), ["ann", "dee", "dee"])
n = t.fill_null({"age": -1, "score": 0})
assert_eq(n["age"].to_list(), [30, 25, -1, 41])
assert_eq(n["score"].to_list(), [1.5, 2.0, 4.0, 0.0])
assert_eq(t.fill_null(0)["age"].to_list(), [30, 25, 0, 41])
assert_eq(t.drop_nulls()["name"].to_list(), ["ann", "bob"])
assert_eq(t.drop_nulls("age")["name"].to_list(), ["ann", "bob", "dee"])
assert_eq(t.cast({"age": "float"}).schema["age"], "float")
assert_eq(table.from_rows([{"s": "1"}, {"s": "2"}]).cast({"s": "int"})["s"].sum(), 3)
"#
    ));
}

#[test]
fn group_by_and_join() {
    t_ok(&format!(
        "{PEOPLE}{}",
        r#"
g = t.group_by("city").agg({"age": "sum", "score": "mean", "name": "count"})
assert_eq(g.rows(), [
    {"city": "oslo", "age": 30, "score": 2.75, "name": 2},
    {"city": "rome", "age": 66, "score": 2.0, "name": 2},
])
g2 = t.group_by("city").agg({"age": "max", "score": "min", "name": "first"})
assert_eq(g2.rows(), [
    {"city": "oslo", "age": 30, "score": 1.5, "name": "ann"},
    {"city": "rome", "age": 41, "score": 2.0, "name": "bob"},
])
assert_eq(t.group_by("city").agg({"name": "last"})["name"].to_list(), ["cy", "dee"])
assert_eq(t.group_by("city").agg({"name": "max"})["name"].to_list(), ["cy", "dee"])
m = t.group_by(["city", "age"]).agg({"name": "count"})
assert_eq(len(m), 4)
k = t.group_by("age").agg({"name": "count"})
assert_eq(k["age"].to_list(), [30, 25, None, 41])
assert_eq(t.group_by("city").agg({"city": "count"}).columns, ["city", "city_count"])
cities = table.from_rows([{"city": "oslo", "country": "no"}, {"city": "paris", "country": "fr"}])
j = t.join(cities, on = "city")
assert_eq(j.columns, ["name", "city", "age", "score", "country"])
assert_eq(j["name"].to_list(), ["ann", "cy"])
lj = t.join(cities, on = "city", how = "left")
assert_eq(lj["country"].to_list(), ["no", None, "no", None])
oj = t.join(cities, on = ["city"], how = "outer")
assert_eq(len(oj), 5)
assert_eq(oj["city"].to_list(), ["oslo", "rome", "oslo", "rome", "paris"])
assert_eq(oj["name"].to_list()[-1], None)
dup = t.join(t.select("city", "name"), on = "city")
assert_true("name_right" in dup.columns)
assert_eq(len(dup), 8)
"#
    ));
}

#[test]
fn output_and_repr() {
    let m = t_ok(&format!(
        "{PEOPLE}{}",
        r#"
csv_text = t.to_csv()
json_text = t.to_json()
r = repr(t)
rc = repr(t["age"])
"#
    ));
    assert_eq!(
        get_str(&m, "csv_text"),
        "name,city,age,score\nann,oslo,30,1.5\nbob,rome,25,2.0\ncy,oslo,,4.0\ndee,rome,41,\n"
    );
    let j: serde_json::Value = serde_json::from_str(&get_str(&m, "json_text")).unwrap();
    assert_eq!(j[2]["age"], serde_json::Value::Null);
    assert_eq!(j[0]["name"], "ann");
    assert_eq!(j.as_array().unwrap().len(), 4);
    assert_eq!(
        get_str(&m, "r"),
        "<table 4 rows x 4 columns>\nname    city    age   score\nstring  string  int   float\nann     oslo    30    1.5\nbob     rome    25    2.0\ncy      oslo    None  4.0\ndee     rome    41    None"
    );
    assert!(get_str(&m, "rc").starts_with("<column \"age\" int x 4>\nage"));
    // Long tables show the first and last five rows.
    let m = t_ok("t = table.from_columns({'i': list(range(100))})\nr = repr(t)");
    let r = get_str(&m, "r");
    assert!(r.contains("\n4\n...\n95\n"), "{r}");
}

#[test]
fn errors() {
    let p = PEOPLE;
    t_fails(
        &format!("{p}t['nope']"),
        "table has no column \"nope\"; columns are: name, city, age, score",
    );
    t_fails(
        &format!("{p}t[0]"),
        "table index: got int, want a column name",
    );
    t_fails(
        &format!("{p}t.select('nope')"),
        "select: table has no column \"nope\"",
    );
    t_fails(
        &format!("{p}t.filter(t['age'])"),
        "filter: mask must be a column of bools, got a column of int",
    );
    t_fails(
        &format!("{p}t.filter([True])"),
        "filter: mask has 1 values, table has 4 rows",
    );
    t_fails(
        &format!("{p}t.filter(1)"),
        "filter: for parameter mask: got int, want boolean column",
    );
    t_fails(
        &format!("{p}t['name'] + 1"),
        "unsupported operand types: column of string and int",
    );
    t_fails(&format!("{p}t['age'] + 'x'"), "unknown binary op");
    t_fails(
        &format!("{p}t['age'] < 'x'"),
        "lt: unsupported operand types: column of int and string",
    );
    t_fails(
        &format!("{p}t['age'].gt('x')"),
        "gt: unsupported operand types: column of int and string",
    );
    t_fails(
        &format!("{p}t['age'] & t['age']"),
        "& | ^ combine boolean masks",
    );
    t_fails(
        &format!("{p}t['age'] + t.head(2)['age']"),
        "columns have different lengths: 4 and 2",
    );
    t_fails(
        &format!("{p}t['name'].sum()"),
        "cannot sum column \"name\" of type string",
    );
    t_fails(
        &format!("{p}t.group_by('city').agg({{'age': 'median'}})"),
        "unknown aggregation \"median\" for column \"age\"",
    );
    t_fails(
        &format!("{p}t.group_by('nope')"),
        "group_by: table has no column \"nope\"",
    );
    t_fails(
        &format!("{p}t.group_by('city').agg(['age'])"),
        "agg: for parameter aggregations: got list, want dict",
    );
    t_fails(
        &format!("{p}t.join(t, on = 'city', how = 'cross')"),
        "how must be \"inner\", \"left\" or \"outer\", got \"cross\"",
    );
    t_fails(
        &format!("{p}t.join(1, on = 'city')"),
        "join: for parameter other: got int, want table",
    );
    t_fails(
        &format!("{p}t.join(t.select('name'), on = 'city')"),
        "join: table has no column \"city\"",
    );
    t_fails(
        &format!("{p}t.sort_by('age', descending = [True, False])"),
        "descending has 2 values, want one per key (1)",
    );
    t_fails(
        &format!("{p}t.head(-1)"),
        "head: n must be non-negative, got -1",
    );
    t_fails(
        &format!("{p}t.slice(-1)"),
        "slice: offset must be non-negative",
    );
    t_fails(
        &format!("{p}t.row(9)"),
        "row: index 9 out of range: table has 4 rows",
    );
    t_fails(
        &format!("{p}t['age'][9]"),
        "column index 9 out of range: column has 4 values",
    );
    t_fails(
        &format!("{p}t.cast({{'name': 'int'}})"),
        "cast: cannot cast column \"name\" to int",
    );
    t_fails(
        &format!("{p}t.cast({{'age': 'complex'}})"),
        "unknown type \"complex\"",
    );
    t_fails(
        &format!("{p}t.with_column('x', [1, 2])"),
        "with_column: list has 2 values, table has 4 rows",
    );
    t_fails(
        &format!("{p}t.drop('name', 'city', 'age', 'score')"),
        "cannot drop every column",
    );
    t_fails(
        &format!("{p}table.concat([t, t.select('name')])"),
        "table 1 has columns [name], want [name, city, age, score]",
    );
    t_fails(&format!("{p}table.concat([])"), "nothing to concatenate");
    t_fails(
        "table.from_rows([{'a': 1}, {'a': 'x'}])",
        "column \"a\" mixes int and string values",
    );
    t_fails(
        "table.from_rows([{'a': [1]}])",
        "cannot store a list in a table",
    );
    t_fails(
        "table.from_rows([[1, 2]])",
        "rows that are lists need column names",
    );
    t_fails(
        "table.from_rows([[1, 2]], columns = ['a'])",
        "row 0 has 2 values, want 1",
    );
    t_fails("table.from_rows([1])", "row 0: got int, want dict or list");
    t_fails(
        "table.from_rows([{1: 2}])",
        "row 0: keys must be strings, got int",
    );
    t_fails(
        "table.from_columns({'a': [1], 'b': [1, 2]})",
        "column \"b\" has 2 values, want 1 like the others",
    );
    t_fails(
        "table.from_columns([1])",
        "table.from_columns: for parameter columns: got list, want dict",
    );
    t_fails(
        &format!("{p}t.rename({{'nope': 'x'}})"),
        "rename: table has no column \"nope\"",
    );
    t_fails(
        &format!("{p}t.rename({{'name': 'city'}})"),
        "duplicate column name \"city\"",
    );
    t_fails(&format!("{p}t.nope"), "nope");
}

#[test]
fn vectorised_not_row_by_row() {
    // A 200k-row pipeline runs within a step budget far below one step per row.
    let r = {
        let mut cfg = test_config();
        cfg.rand_seed = Some(1);
        let release = starlib::release::select_str("^2").unwrap();
        let mut thread = release.new_thread();
        thread.set_loader(release.loader(cfg));
        thread.set_max_steps(10_000);
        let mut p = engine::Predeclared::default();
        let csv: String = std::iter::once("k,v\n".to_string())
            .chain((0..200_000).map(|i| format!("{},{}\n", i % 7, i)))
            .collect();
        p.insert("DATA".into(), engine::Value::from(csv));
        thread.exec_file(
            "t.star",
            "load('encoding/csv.star', 'csv')\nt = csv.read(DATA)\ng = t.filter(t['v'].gt(10)).with_column('w', t.filter(t['v'].gt(10))['v'] * 2).group_by('k').agg({'w': 'sum'})\nn = len(g)\n",
            p,
        )
    };
    let m = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get_str(&m, "n"), "7");
}

#[test]
fn tables_count_against_the_memory_limit() {
    let release = starlib::release::select_str("^2").unwrap();
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(test_config()));
    thread.set_memory_limit(100_000);
    let csv: String = std::iter::once("a,b\n".to_string())
        .chain((0..50_000).map(|i| format!("{i},{i}\n")))
        .collect();
    let mut p = engine::Predeclared::default();
    p.insert("DATA".into(), engine::Value::from(csv));
    let e = thread
        .exec_file(
            "m.star",
            "load('encoding/csv.star', 'csv')\nt = csv.read(DATA)\n",
            p,
        )
        .unwrap_err();
    assert!(e.to_string().contains("memory limit exceeded"), "{e}");
}
