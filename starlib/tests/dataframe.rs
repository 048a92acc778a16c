//! The `dataframe` module (Qri's pandas-like DataFrame): each test prints
//! values and compares with what Qri's own tests expect it to print.

mod common;
use common::*;
use engine::Predeclared;

const L: &str = "load('dataframe.star', 'dataframe')\n";

/// Runs `src` under starlib `req` and returns its printed lines joined.
fn out_in(req: &str, src: &str) -> String {
    let r = run_with(
        req,
        &format!("{L}{src}"),
        test_config(),
        Predeclared::default(),
    );
    if let Err(e) = &r.result {
        panic!("script failed: {e}\n--- script ---\n{src}");
    }
    r.output.join("\n")
}

fn out(src: &str) -> String {
    out_in("1", src)
}

fn df_fails(src: &str, want: &str) -> String {
    fails("1", &format!("{L}{src}"), want)
}

#[test]
fn frame_from_rows_prints_like_qri() {
    assert_eq!(
        out("print(dataframe.DataFrame([[10, 20, 30]]))"),
        "      0   1   2\n0    10  20  30"
    );
    assert_eq!(
        out("print(dataframe.DataFrame([[1,'cat','meow'],[2,'dog','bark'],[3,'eel','zap']], columns=['id','animal','sound']))"),
        "     id  animal  sound\n0     1     cat   meow\n1     2     dog   bark\n2     3     eel    zap"
    );
}

#[test]
fn frame_from_dict_of_columns() {
    assert_eq!(
        out("print(dataframe.DataFrame({'a': [10, 20, 30]}))"),
        "      a\n0    10\n1    20\n2    30"
    );
    assert_eq!(
        out("df = dataframe.DataFrame({'a': ['apple', 'apricot'], 'b': ['banana', 'blueberry']})\nprint('%s' % df)\nprint(str(df) == '%s' % df)"),
        "           a          b\n0      apple     banana\n1    apricot  blueberry\nTrue"
    );
}

#[test]
fn frame_with_text_index_and_mixed_cells() {
    assert_eq!(
        out("print(dataframe.DataFrame([[1,'cat','meow'],[2,'dog','bark'],[3,'eel','zap']], index=['feline','canine','anguillid']))"),
        "             0    1     2\n   feline    1  cat  meow\n   canine    2  dog  bark\nanguillid    3  eel   zap"
    );
    assert_eq!(
        out("print(dataframe.DataFrame([['a', 'b', 'c', True, 2], ['d', 'e', False, False, 3]]))"),
        "     0  1      2      3  4\n0    a  b      c   True  2\n1    d  e  False  False  3"
    );
}

#[test]
fn rows_as_dicts_fill_missing_with_nan() {
    let src = r#"
rows = [{"month": "June", "year": 2001, "day": 4},
        {"day": 10, "year": 1996, "weekday": "Monday"},
        {"month": "December", "day": 25, "weekday": "Wednesday"}]
df = dataframe.DataFrame(rows)
print(df)
print(df.columns)
"#;
    assert_eq!(
        out(src),
        "        month    year  day    weekday\n0        June  2001.0    4        NaN\n1         NaN  1996.0   10     Monday\n2    December     NaN   25  Wednesday\nIndex(['month', 'year', 'day', 'weekday'], dtype='object')"
    );
}

#[test]
fn columns_index_shape_and_len() {
    let src = r#"
df = dataframe.DataFrame([["cat","meow"],["dog","bark"],["eel","zap"],["frog","ribbit"]])
print(df.columns)
print(df.index)
print(len(df.index), df.shape, len(df), df.size)
df = dataframe.DataFrame([["cat","meow"]], index=["Garfield"])
print(df.index)
"#;
    assert_eq!(
        out(src),
        "RangeIndex(start=0, stop=2, step=1)\nRangeIndex(start=0, stop=4, step=1)\n4 (4, 2) 4 8\nIndex(['Garfield'], dtype='object')"
    );
}

#[test]
fn getkey_gives_series() {
    let src = r#"
df = dataframe.DataFrame({"id": [1, 2, 3], "animal": ["cat", "dog", "eel"]})
print(df['animal'])
print(df['id'])
print(type(df['id']))
print(df[['animal']])
"#;
    assert_eq!(
        out(src),
        "0    cat\n1    dog\n2    eel\nName: animal, dtype: object\n0    1\n1    2\n2    3\nName: id, dtype: int64\ndataframe.Series\n     animal\n0       cat\n1       dog\n2       eel"
    );
}

#[test]
fn setkey_scalar_list_and_series() {
    let src = r#"
df = dataframe.DataFrame({"id": [1,2,3]})
df['num'] = 7
df['s'] = 'abc'
df['more'] = dataframe.Series([123,456,789])
df['lst'] = [1.5, 2.5, 3.5]
print(df)
new = dataframe.DataFrame()
new['my_column'] = [123, 456, 789]
print(new)
"#;
    assert_eq!(
        out(src),
        "     id  num    s  more  lst\n0     1    7  abc   123  1.5\n1     2    7  abc   456  2.5\n2     3    7  abc   789  3.5\n     my_column\n0          123\n1          456\n2          789"
    );
}

#[test]
fn append_rows_and_frames() {
    let src = r#"
df = dataframe.DataFrame([["cat", "meow", 123], ["dog", "bark", 456]])
df = df.append([["eel", "zap", 789]])
print(df)
print(df.index)
df = df.append(dataframe.DataFrame([["iguana", "wheeze"]]))
print(df)
t = dataframe.DataFrame([["cat", "meow", 1.2, 3]]).append([["zebra", "neigh", 456, 78]])
print(t)
"#;
    assert_eq!(
        out(src),
        "       0     1    2\n0    cat  meow  123\n1    dog  bark  456\n0    eel   zap  789\nInt64Index([0, 1, 0], dtype='int64')\n          0       1      2\n0       cat    meow  123.0\n1       dog    bark  456.0\n0       eel     zap  789.0\n0    iguana  wheeze    NaN\n         0      1      2   3\n0      cat   meow    1.2   3\n0    zebra  neigh  456.0  78"
    );
}

#[test]
fn qri_transform_style_append_of_body() {
    let src = r#"
body = dataframe.DataFrame([['Superman', 100]], columns=['name', 'power'])
body = body.append([['Batman', 126]])
print(body)
"#;
    assert_eq!(
        out(src),
        "         name  power\n0    Superman    100\n0      Batman    126"
    );
}

#[test]
fn head_drop_duplicates_sort() {
    let src = r#"
df = dataframe.DataFrame([[1,"cat","meow"],[2,"dog","bark"],[3,"eel","zap"],[1,"cat","meow"],[4,"frog","ribbit"]], columns=["id","animal","sound"])
print(df.head(2))
print(df.drop_duplicates())
print(df.drop_duplicates(subset=["animal"]).sort_values(by=["sound"], ascending=False))
"#;
    assert_eq!(
        out(src),
        "     id  animal  sound\n0     1     cat   meow\n1     2     dog   bark\n     id  animal   sound\n0     1     cat    meow\n1     2     dog    bark\n2     3     eel     zap\n3     4    frog  ribbit\n     id  animal   sound\n2     3     eel     zap\n3     4    frog  ribbit\n0     1     cat    meow\n1     2     dog    bark"
    );
}

#[test]
fn drop_reset_index_assign() {
    let src = r#"
df = dataframe.DataFrame([["cat", "meow", 123], ["dog", "bark", 456], ["eel", "zap", 789]], columns=["name", "sound", "num"])
print(df.drop(['sound'], axis=1).drop(columns=['num']).drop(index=[1]))
df = dataframe.DataFrame([("bird", 389.0), ("mammal", 80.5)], index=["falcon", "lion"], columns=("class", "max_speed"))
print(df.reset_index())
print(df.assign(rating=[8.2, 7.6]))
"#;
    assert_eq!(
        out(src),
        "     name\n0     cat\n1     eel\n      index   class  max_speed\n0    falcon    bird      389.0\n1      lion  mammal       80.5\n           class  max_speed  rating\nfalcon      bird      389.0     8.2\n  lion    mammal       80.5     7.6"
    );
}

#[test]
fn at_indexer_reads_and_writes() {
    let src = r#"
df = dataframe.DataFrame([["test", 31.2, "ok"], ["more", 7.8, "hi"]])
print(df.at)
print(df.at[1, 2])
df.at[0, 0] = ["dog", "eel"]
df.at[1, 0] = {"cat": "meow"}
print(df)
"#;
    assert_eq!(
        out(src),
        "AtIndexer()\nhi\n                 0     1   2\n0        [dog eel]  31.2  ok\n1    map[cat:meow]   7.8  hi"
    );
}

#[test]
fn apply_by_row_and_shift() {
    let src = r#"
def f(row):
    return '{}:{}'.format(row['lkey'], row['value'])
df = dataframe.DataFrame({"lkey": ["foo", "bar"], "value": [1, 2]})
print(df.apply(f, axis=1))
print(df.shift(1))
print(df['lkey'].shift(1))
"#;
    assert_eq!(
        out(src),
        "0    foo:1\n1    bar:2\ndtype: object\n     lkey  value\n0     NaN    NaN\n1     foo    1.0\n0    NaN\n1    foo\ndtype: object"
    );
}

#[test]
fn boolean_selection_and_comparisons() {
    let src = r#"
df = dataframe.DataFrame(columns=["id","animal"], data=[[1,"cat"],[20,"dog"],[3,"eel"],[4,"dog"]])
print(df[df["animal"].equals("dog")])
print(df[df["id"] > 3])
print(df[~df['animal'].str.startswith('d')])
print(dataframe.Series([111, 190, 142]).cmp('<', 150))
"#;
    assert_eq!(
        out(src),
        "     id  animal\n1    20     dog\n3     4     dog\n     id  animal\n1    20     dog\n3     4     dog\n     id  animal\n0     1     cat\n2     3     eel\n0     True\n1    False\n2     True\ndtype: bool"
    );
}

#[test]
fn series_construction_and_printing() {
    let src = r#"
print(dataframe.Series([123,456,789]))
print(dataframe.Series(data=[123,456,789], name='numbers', dtype='float64'))
print(dataframe.Series({'a': 123, 'b': 456}))
print(dataframe.Series(data=[12,'34',56]))
print(dataframe.Series(data=[True, False]))
idx = dataframe.Index(data=['a', 'b'], name='IDs')
print(idx)
print(dataframe.Series([1, 2], index=idx, name='Cool Data'))
"#;
    assert_eq!(
        out(src),
        "0    123\n1    456\n2    789\ndtype: int64\n0    123.0\n1    456.0\n2    789.0\nName: numbers, dtype: float64\na    123\nb    456\ndtype: int64\n0    12\n1    34\n2    56\ndtype: object\n0     True\n1    False\ndtype: bool\nIndex(['a', 'b'], dtype='object', name='IDs')\nIDs\na    1\nb    2\nName: Cool Data, dtype: int64"
    );
}

#[test]
fn series_math() {
    let src = r#"
left = dataframe.Series([123,456,789], index=['a','b','c'])
rite = dataframe.Series([101,505,909], index=['a','b','c'])
print(left - rite)
print(dataframe.abs(left - rite.shift(1)))
print(left + 0.5)
print(dataframe.Series(['a', 'b']) + ' ' + dataframe.Series(['pple', 'anana']))
"#;
    assert_eq!(
        out(src),
        "a      22\nb     -49\nc    -120\ndtype: int64\na      NaN\nb    355.0\nc    284.0\ndtype: float64\na    123.5\nb    456.5\nc    789.5\ndtype: float64\n0     a pple\n1    b anana\ndtype: object"
    );
}

#[test]
fn series_get_astype_notnull_unique_to_frame() {
    let src = r#"
s = dataframe.Series(data=[123,456,789], index=['a', 'b', 'c'])
print(s['a'], s[1], s.get('c'), type(s[1]))
print(dataframe.Series(['123', '456']).astype('int64'))
f = dataframe.Series([123.1, 564.5]).shift(1).astype('Int64')
print(f)
print(f[f.notnull()])
print(dataframe.Series(['1', '2', '1']).unique())
print(dataframe.Series([1, 2]).to_frame())
"#;
    assert_eq!(
        out(src),
        "123 456 789 int\n0    123\n1    456\ndtype: int64\n0    None\n1     123\ndtype: Int64\n1    123\ndtype: object\n[\"1\", \"2\"]\n     0\n0    1\n1    2"
    );
}

#[test]
fn time_series() {
    let src = r#"
load("time.star", "time")
a = time.time(year=2021, month=3, day=21, hour=18, minute=50, second=44)
s = time.time(year=2021, month=3, day=9, hour=14, minute=52, second=7)
later = dataframe.Series([a])
diff = later - dataframe.Series([s])
print(later)
print(diff)
print(diff.astype('timedelta64[h]'))
print(later.astype('int'))
"#;
    assert_eq!(
        out(src),
        "0    2021-03-21 18:50:44\ndtype: datetime64[ns]\n0    12 days 03:58:37\ndtype: timedelta64[ns]\n0    291.0\ndtype: float64\n0    1616352644000000000\ndtype: int64"
    );
}

#[test]
fn parse_csv_types_columns() {
    let src = r#"
df = dataframe.parse_csv("""id,animal,sound
1,cat,meow
20,dog,barks""")
print(df)
print(df["id"].dtype, df["animal"].dtype)
print(dataframe.read_csv("a,b\n1.5,x\n").shape)
"#;
    assert_eq!(
        out(src),
        "     id  animal  sound\n0     1     cat   meow\n1    20     dog  barks\nint64 object\n(1, 2)"
    );
}

#[test]
fn groupby_sum_count_apply() {
    let src = r#"
df = dataframe.DataFrame({"IDs": ["cat", "dog", "cat", "frog"], "count": [1, 2, 5, 6]})
s = df.groupby(['IDs'])['count'].sum()
print(s)
print(s.index)
print(df.groupby(['IDs'])['count'].count().reset_index())
def names(series):
    return ', '.join(['{}{}'.format(series.name, e) for e in series])
print(df.groupby(['IDs'])['count'].apply(names))
"#;
    assert_eq!(
        out(src),
        "IDs\ncat     6\ndog     2\nfrog    6\nName: count, dtype: int64\nIndex(['cat', 'dog', 'frog'], dtype='object', name='IDs')\n      IDs  count\n0     cat      2\n1     dog      1\n2    frog      1\nIDs\ncat     cat1, cat5\ndog           dog2\nfrog         frog6\nName: count, dtype: object"
    );
}

#[test]
fn merge_and_concat() {
    let src = r#"
df1 = dataframe.DataFrame({"lkey": ["foo", "bar", "foo"], "value": [1, 2, 5]})
df2 = dataframe.DataFrame({"rkey": ["foo", "bar"], "value": [5, 6]})
print(df1.merge(df2, left_on="lkey", right_on="rkey"))
print(df1.merge(df2, left_on="lkey", right_on="rkey", how="left", suffixes=("_l", "_r")))
print(dataframe.DataFrame([["cat"]]) + dataframe.DataFrame([["eel"]]))
"#;
    assert_eq!(
        out(src),
        "     lkey  value_x  rkey  value_y\n0     foo        1   foo        5\n1     foo        5   foo        5\n2     bar        2   bar        6\n     lkey  value_l  rkey  value_r\n0     foo        1   foo        5\n1     bar        2   bar        6\n2     foo        5   foo        5\n       0\n0    cat\n1    eel"
    );
}

#[test]
fn columns_str_methods_and_rename() {
    let src = r#"
df = dataframe.DataFrame({" First ": ["foo"], "Second": [1]})
col = df.columns.str.strip().str.lower().str.replace(' ', '_')
print(col)
df.columns = col
print(df)
"#;
    assert_eq!(
        out(src),
        "Index(['first', 'second'], dtype='object')\n     first  second\n0      foo       1"
    );
}

#[test]
fn wide_and_long_frames_elide_like_qri() {
    let src = r#"
df = dataframe.DataFrame([['alpha%d' % (n+1), chr(n+65)] for n in range(26)], columns=['id', 'char'])
print(df)
"#;
    let got = out(src);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[0], "            id  char");
    assert_eq!(lines[1], "  0     alpha1     A");
    assert_eq!(lines[16], "...        ...   ...");
    assert_eq!(lines[17], " 23    alpha24     X");
    assert_eq!(lines.len(), 20);
}

#[test]
fn loads_in_starlib_2_too() {
    assert_eq!(
        out_in("2", "print(dataframe.DataFrame({'a': [1]}))"),
        "     a\n0    1"
    );
}

#[test]
fn errors_name_the_problem() {
    df_fails(
        "df = dataframe.DataFrame({'a': [1]})\ndf['b']",
        "column \"b\" not found",
    );
    df_fails(
        "df = dataframe.DataFrame([['cat'], ['dog']], columns=['name'])\ndf[[True]]",
        "Item wrong length 1 instead of 2",
    );
    df_fails(
        "dataframe.DataFrame().ffill()",
        "dataframe.ffill is not implemented",
    );
    df_fails(
        "df = dataframe.DataFrame({'a': [1]})\ndf[df['a'] == 1]",
        "cannot call DataFrame.Get with bool",
    );
    df_fails(
        "dataframe.Series([1.5]).shift(1).astype('int64')",
        "Cannot convert non-finite values",
    );
    df_fails(
        "df = dataframe.DataFrame({'a': [1, 2]})\ndf['b'] = [1, 2, 3]",
        "Length of values (3) does not match length of index (2)",
    );
    df_fails(
        "dataframe.DataFrame({'a': [1]}).merge(dataframe.DataFrame({'a': [1]}), on='a', how='outer')",
        "not implemented: `how` is \"outer\"",
    );
}

#[test]
fn batch_round_trip() {
    use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let batch = RecordBatch::try_from_iter(vec![
        (
            "name",
            Arc::new(StringArray::from(vec!["a", "b"])) as Arc<dyn Array>,
        ),
        (
            "n",
            Arc::new(Int64Array::from(vec![1, 2])) as Arc<dyn Array>,
        ),
        (
            "x",
            Arc::new(Float64Array::from(vec![Some(1.5), None])) as Arc<dyn Array>,
        ),
    ])
    .expect("batch");
    let v = starlib::dataframe::dataframe_from_batch(batch.clone());
    assert_eq!(
        v.to_string(),
        "     name  n    x\n0       a  1  1.5\n1       b  2  NaN"
    );
    let back = starlib::dataframe::dataframe_to_batch(&v)
        .expect("a frame")
        .expect("converts");
    assert_eq!(back.columns(), batch.columns());
    assert_eq!(back.schema().field(2).name(), "x");
    assert!(starlib::dataframe::dataframe_to_batch(&engine::Value::Int(1)).is_none());
}

#[test]
fn frozen_frames_refuse_assignment() {
    use arrow_array::{Array, Int64Array, RecordBatch};
    use std::sync::Arc;
    let batch = RecordBatch::try_from_iter(vec![(
        "a",
        Arc::new(Int64Array::from(vec![1])) as Arc<dyn Array>,
    )])
    .expect("batch");
    let v = starlib::dataframe::dataframe_from_batch(batch);
    let engine::Value::Native(n) = &v else {
        panic!("not native")
    };
    n.set_index(&engine::Value::str("b"), engine::Value::Int(2))
        .expect("mutable before freezing");
    n.freeze();
    let e = n
        .set_index(&engine::Value::str("c"), engine::Value::Int(2))
        .expect_err("frozen");
    assert!(e.msg.contains("frozen"), "{}", e.msg);
}

#[test]
fn huge_shifts_do_not_overflow() {
    assert_eq!(
        out("print(dataframe.Series([1]).shift(-9223372036854775808))\nprint(dataframe.DataFrame([[1, 2]]).shift(-9223372036854775807 - 1, axis=1))"),
        "0    NaN\ndtype: float64\n       0    1\n0    NaN  NaN"
    );
}

/// Runs `src` under a memory budget of `limit` bytes: the error, if any.
fn with_budget(limit: usize, src: &str) -> Option<engine::EvalError> {
    let release = starlib::release::select_str("1").expect("release");
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(test_config()));
    thread.set_memory_limit(limit);
    let r = thread.exec_file("t.star", &format!("{L}{src}"), Predeclared::default());
    r.err().map(|e| match e {
        engine::Error::Eval(e) => e,
        other => panic!("{other}"),
    })
}

#[test]
fn frames_charge_the_memory_budget() {
    let make = "rows = [[i, 'name%d' % i, i * 0.5] for i in range(20000)]\n";
    assert!(with_budget(
        usize::MAX,
        &format!("{make}df = dataframe.DataFrame(rows)\ndf.sort_values(by=['0'])")
    )
    .is_none());
    // Enough for the rows, not for a frame made of them.
    let e = with_budget(
        6_000_000,
        &format!("{make}df = dataframe.DataFrame(rows)\ndf2 = df.sort_values(by=['0'])\ndf3 = df.append(df)\ndf4 = df.merge(df, on='0')"),
    )
    .expect("runs out of memory");
    assert_eq!(e.kind, engine::ErrorKind::Memory, "{}", e.msg);
    assert!(
        ["DataFrame", "sort_values", "append", "merge"]
            .iter()
            .any(|f| e.msg.starts_with(f)),
        "{}",
        e.msg
    );
}

#[test]
fn frame_astype_and_notnull() {
    let src = r#"
df = dataframe.DataFrame({'a': ['1', '2'], 'b': [1.5, None]})
print(df.astype({'a': 'int64'})['a'].dtype)
print(df.astype('object')['b'].dtype)
print(df.notnull())
"#;
    assert_eq!(
        out(src),
        "int64\nobject\n        a      b\n0    True   True\n1    True  False"
    );
}

#[test]
fn comparisons_use_typed_kernels() {
    let src = r#"
s = dataframe.Series([9007199254740993, 9007199254740992])
print(s.cmp('>', 9007199254740992))
f = dataframe.Series([1.0, None, 3.0])
print(f > 2, f.cmp('!=', 1))
"#;
    assert_eq!(
        out(src),
        "0     True\n1    False\ndtype: bool\n0    False\n1    False\n2     True\ndtype: bool 0    False\n1     True\n2     True\ndtype: bool"
    );
}

#[test]
fn batch_round_trip_keeps_bools_with_nulls_and_mixed_as_text() {
    use arrow_array::{Array, BooleanArray, RecordBatch};
    use std::sync::Arc;
    let batch = RecordBatch::try_from_iter(vec![(
        "ok",
        Arc::new(BooleanArray::from(vec![Some(true), None])) as Arc<dyn Array>,
    )])
    .expect("batch");
    let v = starlib::dataframe::dataframe_from_batch(batch.clone());
    assert_eq!(v.to_string(), "       ok\n0    True\n1     NaN");
    let back = starlib::dataframe::dataframe_to_batch(&v)
        .expect("a frame")
        .expect("converts");
    assert_eq!(back.columns(), batch.columns());

    // A frame made by a script: mixed cells become text.
    let r = run_with(
        "1",
        &format!("{L}df = dataframe.DataFrame([[1, 'a'], ['b', 2.5]])\n"),
        test_config(),
        Predeclared::default(),
    );
    let m = r.result.expect("runs");
    let b = starlib::dataframe::dataframe_to_batch(m.get("df").expect("df"))
        .expect("a frame")
        .expect("converts");
    assert_eq!(b.num_rows(), 2);
    assert_eq!(
        b.schema().field(0).data_type(),
        &arrow_schema::DataType::Utf8
    );
}

#[test]
fn frame_dtype_converts_every_column() {
    assert_eq!(
        out("print(dataframe.DataFrame([[1, 2]], dtype='float64'))"),
        "       0    1\n0    1.0  2.0"
    );
}

#[test]
fn missing_keys_sort_last_and_form_no_group() {
    let src = r#"
df = dataframe.DataFrame({'a': [1, None, 3], 'b': ['x', None, 'z']})
print(df.sort_values(by='b', ascending=False))
print(df.groupby(['b'])['a'].sum())
print(dataframe.DataFrame({}).shape)
"#;
    assert_eq!(
        out(src),
        "       a     b\n2    3.0     z\n0    1.0     x\n1    NaN  None\nb\nx    1.0\nz    3.0\nName: a, dtype: float64\n(0, 0)"
    );
}
