//! Fuzzes parse + resolve + compile + run under a step budget, a memory
//! budget and a call-depth limit: any input must finish with a result or a
//! Starlark error within its budget, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut thread = engine::Thread::new(engine::Dialect::permissive());
    thread.set_max_steps(20_000);
    thread.set_memory_limit(32 << 20);
    thread.set_max_depth(200);
    let mut pre = engine::Predeclared::default();
    pre.insert(
        "struct".into(),
        engine::values::Builtin::func("struct", engine::make_struct),
    );
    pre.insert("json".into(), engine::library::json::module());
    pre.insert("math".into(), engine::library::math::module());
    let _ = thread.exec_file("fuzz.star", src, pre);
    // Whatever ran, its modules can be released.
    thread.release_modules();
    // Compiled programs must survive a round trip too.
    if let Ok(p) = engine::compile("fuzz.star", src, &engine::Dialect::permissive(), &|_| false) {
        let back = engine::Program::from_bytes(&p.to_bytes());
        assert!(back.is_ok(), "a program must decode what it encoded");
    }
});
