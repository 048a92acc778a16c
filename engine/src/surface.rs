//! API surface: which release of starlark-go's built-in API a thread
//! presents. Products always run the current one. The starlark-go test
//! harness can switch a thread to the 2021 surface that the packaged
//! starlark-go test files expect. Attributes that 2021 lacked are hidden by
//! the harness's attribute filter. The few 2021 behaviours that are not
//! attributes are chosen here.

use crate::eval::Thread;

/// The thread-local key under which a non-default surface is stored.
const KEY: &str = "engine.api_surface";

/// A release of starlark-go's built-in API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ApiSurface {
    /// Today's starlark-go: the string views are `string.elems` and
    /// `string.codepoints`, and the code-point views decode invalid UTF-8 to
    /// U+FFFD.
    #[default]
    Current,
    /// starlark-go as packaged in 2021: the string views are `elems` and
    /// `codepoints`, and `codepoints()` yields each invalid byte as it is.
    #[cfg_attr(not(feature = "starlarktest"), allow(dead_code))]
    Legacy2021,
}

impl ApiSurface {
    /// The surface `thread` presents.
    pub(crate) fn of(thread: &Thread) -> ApiSurface {
        thread.local::<ApiSurface>(KEY).copied().unwrap_or_default()
    }

    /// Makes `thread` present this surface.
    #[cfg(feature = "starlarktest")]
    pub(crate) fn install(self, thread: &mut Thread) {
        thread.set_local(KEY, self);
    }
}
