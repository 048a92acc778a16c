//! The `rand` module: reproducible from the seed, host-settable seed, and errors.

mod common;
use common::*;
use engine::Predeclared;

const DRAW: &str = r#"
load("rand.star", "rand")
xs = [rand.int(1000) for _ in range(10)]
fs = [rand.float() for _ in range(3)]
l = list(range(20))
rand.shuffle(l)
s = rand.sample(list(range(100)), 5)
c = rand.choice(["a", "b", "c"])
r = rand.int(-5, 5)
g = rand.float(10, 20)
"#;

fn draw(seed: Option<u64>) -> (String, Option<u64>) {
    let mut cfg = test_config();
    cfg.rand_seed = seed;
    let r = run_with("^2", DRAW, cfg, Predeclared::default());
    let m = r.result.unwrap();
    let out = ["xs", "fs", "l", "s", "c", "r", "g"]
        .iter()
        .map(|k| get_str(&m, k))
        .collect::<Vec<_>>()
        .join("|");
    (out, starlib::rand::seed_used(&r.thread))
}

#[test]
fn same_seed_same_run() {
    let (a, sa) = draw(Some(42));
    let (b, _) = draw(Some(42));
    let (c, _) = draw(Some(43));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(sa, Some(42));
}

#[test]
fn random_seed_can_be_read_back_and_replayed() {
    let (a, seed) = draw(None);
    let seed = seed.expect("seed recorded");
    let (b, _) = draw(Some(seed));
    assert_eq!(a, b);
}

#[test]
fn values_in_range_and_shapes() {
    ok(
        "^2",
        r#"
load("rand.star", "rand")
def check():
    for _ in range(200):
        x = rand.int(3, 6)
        assert_true(x >= 3 and x < 6, "int range")
        f = rand.float()
        assert_true(f >= 0 and f < 1, "float range")
check()
l = list(range(50))
rand.shuffle(l)
assert_eq(sorted(l), list(range(50)))
s = rand.sample(["a", "b", "c", "d"], 4)
assert_eq(sorted(s), ["a", "b", "c", "d"])
assert_eq(rand.sample([1, 2], 0), [])
assert_true(rand.choice((7,)) == 7)
rand.seed(7)
a = [rand.int(100) for _ in range(5)]
rand.seed(7)
b = [rand.int(100) for _ in range(5)]
assert_eq(a, b)
"#,
    );
}

#[test]
fn seed_builtin_sets_seed_used() {
    let r = run_with(
        "^2",
        "load('rand.star', 'rand')\nrand.seed(99)\n",
        test_config(),
        Predeclared::default(),
    );
    r.result.unwrap();
    assert_eq!(starlib::rand::seed_used(&r.thread), Some(99));
}

#[test]
fn errors() {
    let l = "load('rand.star', 'rand')\n";
    fails(
        "^2",
        &format!("{l}rand.int(0)"),
        "rand.int: empty range [0, 0)",
    );
    fails(
        "^2",
        &format!("{l}rand.int(5, 1)"),
        "rand.int: empty range [5, 1)",
    );
    fails(
        "^2",
        &format!("{l}rand.int('x')"),
        "rand.int: for parameter a: got string, want int",
    );
    fails(
        "^2",
        &format!("{l}rand.float(1)"),
        "rand.float: want no arguments or both lo and hi",
    );
    fails(
        "^2",
        &format!("{l}rand.float(2, 1)"),
        "rand.float: empty or invalid range",
    );
    fails(
        "^2",
        &format!("{l}rand.choice([])"),
        "rand.choice: cannot choose from an empty sequence",
    );
    fails(
        "^2",
        &format!("{l}rand.choice('abc')"),
        "rand.choice: for parameter seq: got string, want list or tuple",
    );
    fails(
        "^2",
        &format!("{l}rand.shuffle((1, 2))"),
        "rand.shuffle: for parameter list: got tuple, want list",
    );
    fails(
        "^2",
        &format!("{l}rand.sample([1], 2)"),
        "rand.sample: sample size 2 out of range",
    );
    fails(
        "^2",
        &format!("{l}rand.sample([1], -1)"),
        "sample size -1 out of range",
    );
    fails(
        "^2",
        &format!("{l}rand.seed('x')"),
        "rand.seed: for parameter seed: got string, want int",
    );
    fails(
        "^2",
        &format!("{l}rand.int()"),
        "rand.int: missing argument for a",
    );
}
