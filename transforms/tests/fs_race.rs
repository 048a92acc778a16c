//! The `fs` root under attack: another thread swaps a directory of the
//! transform for a symlink to a directory outside, as fast as it can, while
//! reads, listings and lookups through it run in a loop. None may see
//! outside; each either sees the inside or is refused.

#![cfg(target_os = "linux")]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use transforms::fs::FsRoot;

/// Exchanges two paths atomically (`renameat2(RENAME_EXCHANGE)`).
fn exchange(a: &Path, b: &Path) {
    let ca = CString::new(a.as_os_str().as_bytes()).unwrap();
    let cb = CString::new(b.as_os_str().as_bytes()).unwrap();
    // SAFETY: two valid NUL-terminated paths.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    assert_eq!(rc, 0, "renameat2: {}", std::io::Error::last_os_error());
}

#[test]
fn swapping_a_directory_for_a_symlink_never_leads_outside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("f.txt"), "OUTSIDE").unwrap();
    std::fs::write(outside.path().join("only-outside.txt"), "OUTSIDE").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("f.txt"), "inside").unwrap();
    let link = dir.path().join("d-link");
    std::os::unix::fs::symlink(outside.path(), &link).unwrap();
    let root = FsRoot::new(dir.path()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                exchange(&d, &link);
            }
        })
    };
    let (mut inside, mut refused) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        match root.open("d/f.txt") {
            Ok(Some((mut f, _))) => {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut f, &mut s).unwrap();
                assert_eq!(s, "inside", "fs.read read outside");
                inside += 1;
            }
            Ok(None) => panic!("d/f.txt exists on both sides of the swap"),
            Err(e) => {
                assert!(e.contains("outside the transform's directory"), "{e}");
                refused += 1;
            }
        }
        if let Ok(Some(names)) = root.list("d") {
            assert!(
                !names.iter().any(|n| n == "only-outside.txt"),
                "fs.list listed outside"
            );
        }
        if let Ok(found) = root.metadata("d/only-outside.txt") {
            assert!(found.is_none(), "fs.exists saw outside");
        }
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(
        inside > 0 && refused > 0,
        "inside {inside}, refused {refused}"
    );
}
