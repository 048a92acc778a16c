//! The `http` module, as Qri's starlib: `get`, `post`, `put`, `patch`,
//! `delete` and `options` taking `url`, `params`, `headers`, `body`,
//! `form_body`, `form_encoding`, `json_body` and `auth` (Qri's order), returning a response
//! struct with `url`, `status_code`, `headers`, `encoding`, `body()` and
//! `json()`. Built on reqwest's blocking client, with the host's timeouts,
//! redirect limit, body size cap, retries, progress hook and request guard.

use crate::budget;
use crate::config::{Guard, HostConfig, Progress, RequestBudget};
use crate::util::{err, module as make_module};
use engine::args::type_error;
use engine::args::{convert, optional, required};
use engine::error::{EvalError, Result};
use engine::values::{Builtin, Struct};
use engine::{Args, Thread, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::rc::Rc;
use std::time::{Duration, Instant};
use url::Url;

/// The IANA IPv4 and IPv6 Special-Purpose Address Registries, with the
/// registries' names, plus multicast and IPv6 site-local (from the address
/// space registries). The guard refuses every address in these blocks, and
/// every IPv6 address outside 2000::/3 (the only block IANA allocates for
/// global unicast), except the NAT64 well-known prefix, which the registry
/// marks globally reachable: it is judged by the IPv4 address it embeds.
const SPECIAL_PURPOSE_BLOCKS: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"This network\""),
    ("0.0.0.0/32", "\"This host on this network\""),
    ("10.0.0.0/8", "Private-Use"),
    ("100.64.0.0/10", "Shared Address Space"),
    ("127.0.0.0/8", "Loopback"),
    ("169.254.0.0/16", "Link Local"),
    ("172.16.0.0/12", "Private-Use"),
    ("192.0.0.0/24", "IETF Protocol Assignments"),
    ("192.0.0.0/29", "IPv4 Service Continuity Prefix"),
    ("192.0.0.8/32", "IPv4 dummy address"),
    ("192.0.0.9/32", "Port Control Protocol Anycast"),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast"),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery"),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery"),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)"),
    ("192.31.196.0/24", "AS112-v4"),
    ("192.52.193.0/24", "AMT"),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)"),
    ("192.168.0.0/16", "Private-Use"),
    ("192.175.48.0/24", "Direct Delegation AS112 Service"),
    ("198.18.0.0/15", "Benchmarking"),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "Multicast"),
    ("240.0.0.0/4", "Reserved"),
    ("255.255.255.255/32", "Limited Broadcast"),
    ("::1/128", "Loopback Address"),
    ("::/128", "Unspecified Address"),
    ("::ffff:0:0/96", "IPv4-mapped Address"),
    (NAT64_WELL_KNOWN, "IPv4-IPv6 Translat."),
    (NAT64_LOCAL, "IPv4-IPv6 Translat."),
    ("100::/64", "Discard-Only Address Block"),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix"),
    ("2001::/23", "IETF Protocol Assignments"),
    ("2001::/32", "TEREDO"),
    ("2001:1::1/128", "Port Control Protocol Anycast"),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast"),
    (
        "2001:1::3/128",
        "DNS-SD Service Registration Protocol Anycast",
    ),
    ("2001:2::/48", "Benchmarking"),
    ("2001:3::/32", "AMT"),
    ("2001:4:112::/48", "AS112-v6"),
    ("2001:10::/28", "Deprecated (previously ORCHID)"),
    ("2001:20::/28", "ORCHIDv2"),
    (
        "2001:30::/28",
        "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
    ),
    ("2001:db8::/32", "Documentation"),
    ("2002::/16", "6to4"),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service"),
    ("3fff::/20", "Documentation"),
    ("5f00::/16", "Segment Routing (SRv6) SIDs"),
    ("fc00::/7", "Unique-Local"),
    ("fe80::/10", "Link-Local Unicast"),
    ("fec0::/10", "Site-Local (deprecated)"),
    ("ff00::/8", "Multicast"),
];

/// The NAT64 well-known prefix (RFC 6052).
const NAT64_WELL_KNOWN: &str = "64:ff9b::/96";
/// The NAT64 local-use prefix (RFC 8215).
const NAT64_LOCAL: &str = "64:ff9b:1::/48";

/// An address as bits, left-aligned in 128, and its width.
fn bits(ip: IpAddr) -> (u128, u32) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

/// Whether `ip` is in the block written `cidr` (`ADDR/LEN`, same family).
fn within(ip: IpAddr, cidr: &str) -> bool {
    let Some((net, len)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(len)) = (net.parse::<IpAddr>(), len.parse::<u32>()) else {
        return false;
    };
    let ((a, width), (n, nwidth)) = (bits(ip), bits(net));
    if width != nwidth || len > width {
        return false;
    }
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    a & mask == n & mask
}

/// The most specific special-purpose block holding `ip`, as "in NET (Name)".
fn special(ip: IpAddr) -> Option<String> {
    SPECIAL_PURPOSE_BLOCKS
        .iter()
        .filter(|(cidr, _)| within(ip, cidr))
        .max_by_key(|(cidr, _)| cidr.rsplit('/').next().and_then(|l| l.parse::<u32>().ok()))
        .map(|(cidr, name)| format!("in {cidr} ({name})"))
}

/// The IPv4 addresses an IPv6 address carries: IPv4-mapped and
/// IPv4-compatible (`::a.b.c.d`), NAT64 (64:ff9b::/96, and 64:ff9b:1::/48
/// in both RFC 6052's /48 layout and the /96 one), 6to4 (2002::/16) and
/// Teredo (2001::/32: its server and its obfuscated client).
fn embedded_ipv4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    let v6 = IpAddr::V6(ip);
    if ip.to_ipv4_mapped().is_some()
        || (s[..6] == [0; 6] && u128::from(ip) > 1)
        || within(v6, NAT64_WELL_KNOWN)
    {
        vec![low]
    } else if within(v6, NAT64_LOCAL) {
        vec![Ipv4Addr::new(o[6], o[7], o[9], o[10]), low]
    } else if within(v6, "2002::/16") {
        vec![Ipv4Addr::new(o[2], o[3], o[4], o[5])]
    } else if within(v6, "2001::/32") {
        let server = Ipv4Addr::new(o[4], o[5], o[6], o[7]);
        vec![server, Ipv4Addr::from(!u32::from(low))]
    } else {
        Vec::new()
    }
}

/// Why an address may not be requested, if it may not: it, or an IPv4
/// address it embeds, is in a block of [`SPECIAL_PURPOSE_BLOCKS`], or it is
/// an IPv6 address outside global unicast.
pub fn non_public(ip: &IpAddr) -> Option<String> {
    let v6 = match *ip {
        IpAddr::V4(_) => return special(*ip).map(|why| format!("{ip} is {why}")),
        IpAddr::V6(a) => a,
    };
    for a in embedded_ipv4(v6) {
        if let Some(why) = special(IpAddr::V4(a)) {
            return Some(format!("{v6} embeds IPv4 {a}, which is {why}"));
        }
    }
    if within(*ip, NAT64_WELL_KNOWN) {
        return None;
    }
    let why = special(*ip).or_else(|| {
        (!within(*ip, "2000::/3")).then(|| "outside 2000::/3 (Global Unicast)".to_string())
    });
    why.map(|why| format!("{v6} is {why}"))
}

/// The end of every guard refusal: what is refused and how to allow it.
const SPECIAL_PURPOSE: &str = "loopback, private and other special-purpose addresses are refused; \
     run with --allow-private-network to allow them";

fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
        None => pattern == host,
    }
}

/// Checks a URL against the guard (scheme, allow/deny lists, and the
/// addresses its host resolves to). The error says why it was refused.
pub fn check_url(guard: &Guard, url: &Url) -> std::result::Result<(), String> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "unsupported URL scheme {:?} in {url}",
            url.scheme()
        ));
    }
    let Some(host) = url.host_str() else {
        return Err(format!("URL {url} has no host"));
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if guard.deny_hosts.iter().any(|p| host_matches(p, bare)) {
        return Err(format!(
            "request to {url} refused by the host's guard: {bare} is on the deny list"
        ));
    }
    if !guard.allow_hosts.is_empty() && !guard.allow_hosts.iter().any(|p| host_matches(p, bare)) {
        return Err(format!(
            "request to {url} refused by the host's guard: {bare} is not on the allow list ({})",
            guard.allow_hosts.join(", ")
        ));
    }
    if guard.allow_private {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let ips: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (bare, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve host {bare}: {e}"))?
            .map(|a| a.ip())
            .collect(),
    };
    for ip in ips {
        if let Some(why) = non_public(&ip) {
            let how = if bare.parse::<IpAddr>().is_ok() {
                why
            } else {
                format!("{bare} resolves to a special-purpose address: {why}")
            };
            return Err(format!(
                "request to {url} refused by the host's guard: {how}; {SPECIAL_PURPOSE}"
            ));
        }
    }
    Ok(())
}

/// A module's HTTP client, built on first use and shared by its functions.
pub(crate) type ClientCell = Rc<RefCell<Option<reqwest::blocking::Client>>>;

/// The resolver the client connects through: it re-checks every address a
/// name resolves to at connection time, so a name that resolved to a public
/// address when the guard checked it cannot switch to a private one. The
/// lookup itself (the system's, which blocks) runs on a thread of its own,
/// so the client's timers keep running while it waits: a name server that
/// never answers is bounded by the request's deadline like any other wait.
struct GuardedResolver {
    /// How names are looked up (the system resolver; tests substitute one).
    lookup: fn(&str) -> std::io::Result<Vec<std::net::SocketAddr>>,
}

impl GuardedResolver {
    /// The resolver over the system's lookup.
    fn system() -> GuardedResolver {
        GuardedResolver {
            lookup: |host| (host, 0).to_socket_addrs().map(|a| a.collect()),
        }
    }
}

/// A resolver's answer, as reqwest takes it.
type Resolved = std::result::Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>>;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let lookup = self.lookup;
        Box::pin(OffThread::spawn(move || guarded_lookup(lookup, &host)))
    }
}

/// Looks `host` up and refuses it if any address is special-purpose.
fn guarded_lookup(
    lookup: fn(&str) -> std::io::Result<Vec<std::net::SocketAddr>>,
    host: &str,
) -> Resolved {
    let addrs =
        lookup(host).map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
    if let Some(why) = addrs.iter().find_map(|a| non_public(&a.ip())) {
        return Err(format!(
            "refused by the host's guard: {host} resolves to a special-purpose address: {why}; {SPECIAL_PURPOSE}"
        )
        .into());
    }
    Ok(Box::new(addrs.into_iter()))
}

/// A resolver answer computed on a thread of its own, awaited as a future.
struct OffThread {
    state: std::sync::Arc<std::sync::Mutex<OffThreadState>>,
}

/// The answer once it is there, and who to wake for it.
#[derive(Default)]
struct OffThreadState {
    result: Option<Resolved>,
    waker: Option<std::task::Waker>,
}

impl OffThread {
    /// Starts `f` on a new thread.
    fn spawn(f: impl FnOnce() -> Resolved + Send + 'static) -> OffThread {
        let state = std::sync::Arc::new(std::sync::Mutex::new(OffThreadState::default()));
        let shared = state.clone();
        let started = std::thread::Builder::new()
            .name("quarry-dns".into())
            .spawn(move || {
                let r = f();
                let mut st = shared.lock().unwrap_or_else(|e| e.into_inner());
                st.result = Some(r);
                if let Some(w) = st.waker.take() {
                    w.wake();
                }
            });
        if let Err(e) = started {
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.result = Some(Err(Box::new(e)));
        }
        OffThread { state }
    }
}

impl std::future::Future for OffThread {
    type Output = Resolved;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Resolved> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match st.result.take() {
            Some(r) => std::task::Poll::Ready(r),
            None => {
                st.waker = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}

fn build_client(
    config: &HostConfig,
) -> std::result::Result<reqwest::blocking::Client, crate::StarlibError> {
    // rustls needs a process-wide crypto provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let guard = config.guard.clone();
    let max = config.http.max_redirects;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max {
            return attempt.error(format!("stopped after {max} redirects"));
        }
        match check_url(&guard, attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e),
        }
    });
    let mut builder = reqwest::blocking::Client::builder();
    if !config.guard.allow_private {
        builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver::system()));
    }
    builder
        .timeout(config.http.timeout)
        .connect_timeout(config.http.connect_timeout)
        .redirect(policy)
        .user_agent(config.http.user_agent.clone())
        .no_proxy()
        .build()
        .map_err(|e| crate::StarlibError::HttpClient(error_chain(&e)))
}

/// Builds the HTTP client a [`HostConfig`] describes (for hosts that want
/// to check the configuration up front).
pub fn client(
    config: &HostConfig,
) -> std::result::Result<reqwest::blocking::Client, crate::StarlibError> {
    build_client(config)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
    }
    s
}

/// The `http` module value, configured by the host.
pub fn module(config: &Rc<HostConfig>) -> Value {
    let cell: ClientCell = Rc::new(RefCell::new(None));
    let mut members = Vec::new();
    for (name, method) in [
        ("get", reqwest::Method::GET),
        ("post", reqwest::Method::POST),
        ("put", reqwest::Method::PUT),
        ("patch", reqwest::Method::PATCH),
        ("delete", reqwest::Method::DELETE),
        ("options", reqwest::Method::OPTIONS),
    ] {
        let (config, cell) = (config.clone(), cell.clone());
        let fname = format!("http.{name}");
        let f = Builtin::host(&fname.clone(), move |thread, args| {
            request(thread, args, &fname, method.clone(), &config, &cell)
        });
        members.push((name, f));
    }
    make_module("http", members)
}

/// `GET url` through the guarded client, for modules that read a document
/// from the web (`xlsx.get_url`): the host's guard, retries, deadlines,
/// response size cap and memory budget apply as for `http.get`. Returns the
/// URL as reported, the status code and the body.
pub(crate) fn get_bytes(
    thread: &mut Thread,
    fname: &str,
    url: &str,
    config: &HostConfig,
    cell: &ClientCell,
) -> Result<(String, u16, Vec<u8>)> {
    let spec = RequestSpec {
        method: reqwest::Method::GET,
        url: Url::parse(url).map_err(|e| err(fname, format!("invalid URL {url:?}: {e}")))?,
        shown: url.to_string(),
        headers: Vec::new(),
        auth: None,
        body: None,
        content_type: None,
    };
    let got = fetch(thread, fname, &spec, config, cell)?;
    Ok((got.url, got.status, got.body))
}

/// A response as read: the URL it reports, its status, headers (Go's
/// canonical names), transfer encodings and body.
struct Fetched {
    url: String,
    status: u16,
    headers: BTreeMap<String, Vec<String>>,
    encoding: Vec<String>,
    body: Vec<u8>,
}

/// Checks `spec`'s URL against the guard, sends it (with retries) and reads
/// the response, refusing bodies over the host's size cap. The response
/// reports the URL as the script wrote it, as Qri did, unless a redirect
/// took it elsewhere (the fragment is not sent, so it is not compared).
fn fetch(
    thread: &mut Thread,
    fname: &str,
    spec: &RequestSpec,
    config: &HostConfig,
    cell: &ClientCell,
) -> Result<Fetched> {
    check_url(&config.guard, &spec.url).map_err(|e| err(fname, e))?;
    let client = shared_client(fname, config, cell)?;
    let (mut resp, limit) = send_with_retries(fname, config, &client, spec)?;
    let unfragmented = |u: &Url| u.as_str().split('#').next().map(str::to_string);
    let url = if unfragmented(resp.url()) == unfragmented(&spec.url) {
        spec.shown.clone()
    } else {
        resp.url().to_string()
    };
    let status = resp.status().as_u16();
    let cap = config.http.max_response_bytes;
    let total = resp.content_length();
    if let Some(n) = total.filter(|n| *n > cap) {
        return Err(err(
            fname,
            format!("response body from {url} is {n} bytes, larger than the limit of {cap} bytes"),
        ));
    }
    let (headers, encoding) = response_headers(resp.headers());
    let body = read_body(thread, fname, &mut resp, config, &limit, &url, total)?;
    Ok(Fetched {
        url,
        status,
        headers,
        encoding,
        body,
    })
}

/// A request body as the arguments gave it, before encoding.
enum Body {
    None,
    Raw(Vec<u8>),
    Json(Vec<u8>),
    Form(Vec<(String, String)>, bool),
}

/// A request as the script asked for it, checked and ready to send (and
/// resend on retries).
struct RequestSpec {
    method: reqwest::Method,
    url: Url,
    /// The URL as Go's `URL.String()` renders the request (what the
    /// response's `url` reports when no redirect was followed).
    shown: String,
    headers: Vec<(String, String)>,
    auth: Option<(String, String)>,
    body: Option<Vec<u8>>,
    content_type: Option<String>,
}

/// `http.<method>(...)`: reads the arguments, checks the URL against the
/// guard, sends the request (with retries) and reads the response.
fn request(
    thread: &mut Thread,
    args: &Args,
    fname: &str,
    method: reqwest::Method,
    config: &HostConfig,
    cell: &ClientCell,
) -> Result<Value> {
    let spec = read_request(thread, args, fname, method)?;
    response_value(fetch(thread, fname, &spec, config, cell)?)
}

/// Reads the arguments into a request description: the URL with `params`
/// merged in, the headers, the credentials and the encoded body.
fn read_request(
    thread: &mut Thread,
    args: &Args,
    fname: &str,
    method: reqwest::Method,
) -> Result<RequestSpec> {
    let [url, params, headers, body, form_body, form_encoding, json_body, auth] = args.bind(
        fname,
        &[
            "url",
            "params?",
            "headers?",
            "body?",
            "form_body?",
            "form_encoding?",
            "json_body?",
            "auth?",
        ],
    )?;
    let (url, shown) = request_url(fname, &url, &params)?;
    let headers = required::<Vec<(String, String)>>(fname, "headers", &headers)?;
    let auth = auth_arg(fname, auth)?;
    let body = body_arg(thread, fname, body, json_body, &form_body, &form_encoding)?;
    let (body, content_type) = encode_body(body);
    Ok(RequestSpec {
        method,
        url,
        shown,
        headers,
        auth,
        body,
        content_type,
    })
}

/// The `url` argument parsed, with `params` merged into its query as Go's
/// `url.Values` does (params replace same-named query keys; keys sorted),
/// and the same URL as Go renders it: the text the script wrote, its query
/// re-encoded only when `params` changed it (so `http://host:8080` stays
/// without the trailing slash a parsed URL adds).
fn request_url(fname: &str, url: &Option<Value>, params: &Option<Value>) -> Result<(Url, String)> {
    let url_s = required::<String>(fname, "url", url)?;
    let mut url =
        Url::parse(&url_s).map_err(|e| err(fname, format!("invalid URL {url_s:?}: {e}")))?;
    let params = required::<Vec<(String, String)>>(fname, "params", params)?;
    if params.is_empty() {
        return Ok((url, url_s));
    }
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !params.iter().any(|(p, _)| p == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.extend(params);
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    url.query_pairs_mut().clear().extend_pairs(&pairs);
    Ok((url, with_go_query(&url_s, &pairs)))
}

/// `raw` with its query replaced by `pairs`, encoded as Go's
/// `url.Values.Encode` (`QueryEscape`: unreserved bytes kept, space as `+`).
fn with_go_query(raw: &str, pairs: &[(String, String)]) -> String {
    fn escape(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let (before_fragment, fragment) = match raw.find('#') {
        Some(i) => raw.split_at(i),
        None => (raw, ""),
    };
    let base = before_fragment
        .split_once('?')
        .map_or(before_fragment, |(b, _)| b);
    let mut out = String::with_capacity(raw.len() + 16);
    out.push_str(base);
    out.push('?');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape(k, &mut out);
        out.push('=');
        escape(v, &mut out);
    }
    out.push_str(fragment);
    out
}

/// The `auth` argument: a (user, password) pair, or nothing for `None` or `()`.
fn auth_arg(fname: &str, auth: Option<Value>) -> Result<Option<(String, String)>> {
    match &auth {
        None | Some(Value::None) => Ok(None),
        Some(Value::Tuple(t)) if t.is_empty() => Ok(None),
        Some(v @ (Value::Tuple(_) | Value::List(_))) => {
            let items = convert::<Vec<Value>>(fname, "auth", v)?;
            if items.len() != 2 {
                return Err(err(fname, "expected two values for auth params tuple"));
            }
            let user = convert::<String>(fname, "auth", &items[0])?;
            let pass = convert::<String>(fname, "auth", &items[1])?;
            Ok(Some((user, pass)))
        }
        Some(v) => Err(type_error(fname, "auth", v, "tuple")),
    }
}

/// The body from `body`, `json_body` or `form_body` (with `form_encoding`);
/// giving more than one is an error.
fn body_arg(
    thread: &mut Thread,
    fname: &str,
    body: Option<Value>,
    json_body: Option<Value>,
    form_body: &Option<Value>,
    form_encoding: &Option<Value>,
) -> Result<Body> {
    let mut given = Vec::new();
    let mut body_v = Body::None;
    match &body {
        None | Some(Value::None) => {}
        Some(Value::Str(s)) => {
            if !s.is_empty() {
                given.push("body");
                body_v = Body::Raw(s.as_bytes().to_vec());
            }
        }
        Some(Value::Bytes(b)) => {
            given.push("body");
            body_v = Body::Raw(b.as_ref().clone());
        }
        Some(v) => return Err(type_error(fname, "body", v, "string")),
    }
    if let Some(j) = json_body {
        if !j.is_none() {
            given.push("json_body");
            let encoded = thread
                .call(&json_function("encode"), &Args::positional(vec![j]))
                .map_err(|e| err(fname, format!("for parameter json_body: {}", e.msg)))?;
            let bytes = encoded
                .as_str()
                .map(|s| s.as_bytes().to_vec())
                .unwrap_or_default();
            body_v = Body::Json(bytes);
        }
    }
    let form = required::<Vec<(String, String)>>(fname, "form_body", form_body)?;
    if !form.is_empty() {
        given.push("form_body");
        let enc = optional(
            fname,
            "form_encoding",
            form_encoding,
            "application/x-www-form-urlencoded".to_string(),
        )?;
        let multipart = match enc.as_str() {
            "application/x-www-form-urlencoded" | "" => false,
            "multipart/form-data" => true,
            other => {
                return Err(err(
                    fname,
                    format!(
                        "unsupported form_encoding {other:?}: want \"application/x-www-form-urlencoded\" or \"multipart/form-data\""
                    ),
                ))
            }
        };
        body_v = Body::Form(form, multipart);
    }
    if given.len() > 1 {
        return Err(err(
            fname,
            format!(
                "give only one of body, json_body and form_body (got {})",
                given.join(", ")
            ),
        ));
    }
    Ok(body_v)
}

/// A member of the engine's `json` module (`encode` or `decode`).
fn json_function(name: &str) -> Value {
    let m = engine::library::json::module();
    let Value::Module(m) = &m else { unreachable!() };
    m.members.get(name).cloned().unwrap_or(Value::None)
}

/// The body's bytes and the Content-Type they imply.
fn encode_body(body: Body) -> (Option<Vec<u8>>, Option<String>) {
    match body {
        Body::None => (None, None),
        Body::Raw(b) => (Some(b), None),
        Body::Json(b) => (Some(b), Some("application/json".into())),
        Body::Form(pairs, false) => {
            let s = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            (
                Some(s.into_bytes()),
                Some("application/x-www-form-urlencoded".into()),
            )
        }
        Body::Form(pairs, true) => {
            let (b, ct) = multipart_body(pairs);
            (Some(b), Some(ct))
        }
    }
}

/// A multipart/form-data body under a fresh boundary, and its Content-Type.
fn multipart_body(pairs: Vec<(String, String)>) -> (Vec<u8>, String) {
    let boundary = format!("quarry-{:016x}", crate::rand::fresh_seed_u64());
    let mut b = Vec::new();
    for (k, v) in pairs {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                k.replace('"', "%22")
            )
            .as_bytes(),
        );
        b.extend_from_slice(v.as_bytes());
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (b, format!("multipart/form-data; boundary={boundary}"))
}

/// The module's client, built on first use and shared by its functions.
fn shared_client(
    fname: &str,
    config: &HostConfig,
    cell: &ClientCell,
) -> Result<reqwest::blocking::Client> {
    if cell.borrow().is_none() {
        let c = build_client(config).map_err(|e| err(fname, e))?;
        *cell.borrow_mut() = Some(c);
    }
    Ok(cell.borrow().clone().expect("client built above"))
}

/// One attempt's reqwest request: the body's Content-Type unless a header
/// sets one, the script's headers, basic auth and the body.
fn build_request(
    client: &reqwest::blocking::Client,
    spec: &RequestSpec,
) -> reqwest::blocking::RequestBuilder {
    let mut rb = client.request(spec.method.clone(), spec.url.clone());
    if let Some(ct) = &spec.content_type {
        if !spec
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            rb = rb.header("Content-Type", ct);
        }
    }
    for (k, v) in &spec.headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    if let Some((u, p)) = &spec.auth {
        rb = rb.basic_auth(u, Some(p));
    }
    if let Some(b) = &spec.body {
        rb = rb.body(b.clone());
    }
    rb
}

/// One attempt's time limit: the whole request (connect, headers and body)
/// must be done by `until` (`None`: too far off to write as an `Instant`).
struct Limit {
    budget: RequestBudget,
    until: Option<Instant>,
}

impl Limit {
    fn start(config: &HostConfig) -> Limit {
        let budget = config.request_budget();
        Limit {
            budget,
            until: Instant::now().checked_add(budget.limit),
        }
    }

    fn passed(&self) -> bool {
        self.until.is_some_and(|u| Instant::now() >= u)
    }

    /// "timed out after 2s", naming the run's time limit when it set this one.
    fn timed_out(&self) -> String {
        let after = Duration::from_millis(self.budget.limit.as_millis() as u64);
        let whose = if self.budget.by_run {
            " (the time left in the run)"
        } else {
            ""
        };
        format!("timed out after {after:?}{whose}")
    }
}

/// Sends the request, retrying timeouts, failed connections and 429, 502,
/// 503 and 504 answers up to the host's retry limit, with backoff. Each
/// attempt has one deadline for the whole request: the http timeout or the
/// time left in the run, whichever is shorter.
fn send_with_retries(
    fname: &str,
    config: &HostConfig,
    client: &reqwest::blocking::Client,
    spec: &RequestSpec,
) -> Result<(reqwest::blocking::Response, Limit)> {
    let retry = &config.http.retry;
    let mut attempt: u32 = 0;
    loop {
        let limit = Limit::start(config);
        if limit.budget.limit.is_zero() {
            let url = &spec.url;
            return Err(err(
                fname,
                format!("request to {url} timed out: no time left in the run"),
            ));
        }
        let can_retry = attempt < retry.max_retries;
        match build_request(client, spec)
            .timeout(limit.budget.limit)
            .send()
        {
            Ok(r) if can_retry && matches!(r.status().as_u16(), 429 | 502 | 503 | 504) => {}
            Ok(r) => return Ok((r, limit)),
            Err(e) if can_retry && (e.is_timeout() || e.is_connect()) => {}
            Err(e) => return Err(send_error(fname, &limit, &spec.url, &e, attempt)),
        }
        backoff(retry, attempt, config.deadline);
        attempt += 1;
    }
}

/// The error for a request that failed for good, saying how many attempts
/// were made.
fn send_error(
    fname: &str,
    limit: &Limit,
    url: &Url,
    e: &reqwest::Error,
    attempt: u32,
) -> EvalError {
    let tries = if attempt > 0 {
        format!(" (after {} attempts)", attempt + 1)
    } else {
        String::new()
    };
    let msg = if e.is_timeout() || limit.passed() {
        format!("request to {url} {}{tries}", limit.timed_out())
    } else if e.is_connect() && !e.is_redirect() {
        format!("cannot connect to {url}{tries}: {}", error_chain(e))
    } else {
        format!("request to {url} failed{tries}: {}", error_chain(e))
    };
    err(fname, msg)
}

/// Waits before retry number `attempt + 1`: the initial backoff doubled per
/// attempt, at most the maximum, and never past the run's deadline.
fn backoff(retry: &crate::config::RetryPolicy, attempt: u32, deadline: Option<Instant>) {
    let factor = 1u32.checked_shl(attempt).unwrap_or(u32::MAX);
    let mut wait = retry
        .initial_backoff
        .saturating_mul(factor)
        .min(retry.max_backoff);
    if let Some(d) = deadline {
        wait = wait.min(d.saturating_duration_since(Instant::now()));
    }
    std::thread::sleep(wait);
}

/// Go's `CanonicalMIMEHeaderKey`: "content-type" -> "Content-Type".
fn canonical_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        upper = c == '-';
    }
    out
}

/// The response headers under Go's canonical names (values of repeated
/// headers in order), and the transfer encodings, kept apart as Go does.
fn response_headers(
    headers: &reqwest::header::HeaderMap,
) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let mut header_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut encoding = Vec::new();
    for (k, v) in headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        if k.as_str().eq_ignore_ascii_case("transfer-encoding") {
            encoding.push(v);
            continue;
        }
        header_map
            .entry(canonical_header(k.as_str()))
            .or_default()
            .push(v);
    }
    (header_map, encoding)
}

/// Reads the body in chunks, failing once it passes the size cap, the
/// run's memory budget or the request's deadline (or the run is
/// cancelled), and reporting progress to the host's hook after each chunk
/// and at the end. The body is charged before it is buffered: its
/// announced length up front, then each chunk beyond that as it arrives.
fn read_body(
    thread: &mut Thread,
    fname: &str,
    resp: &mut reqwest::blocking::Response,
    config: &HostConfig,
    limit: &Limit,
    final_url: &str,
    total: Option<u64>,
) -> Result<Vec<u8>> {
    let cap = config.http.max_response_bytes;
    let announced = usize::try_from(total.unwrap_or(0).min(cap)).unwrap_or(usize::MAX);
    let mut charged = budget::Reservation::new(thread, fname, announced.saturating_add(CHUNK))
        .map_err(|mut e| {
            e.msg = format!("{} reading the body of {final_url}", e.msg);
            e
        })?;
    let stop = budget::Interrupt::of(thread);
    let mut body = Vec::with_capacity(announced);
    let mut buf = vec![0u8; CHUNK];
    let report = |bytes: u64, done: bool| {
        if let Some(h) = &config.progress {
            h(&Progress {
                url: final_url.to_string(),
                bytes,
                total,
                done,
            });
        }
    };
    let timed_out = || {
        let msg = format!("reading the body of {final_url} {}", limit.timed_out());
        err(fname, msg)
    };
    loop {
        if limit.passed() {
            return Err(timed_out());
        }
        stop.check()?;
        let n = match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let msg = error_chain(&e);
                if limit.passed()
                    || msg.to_ascii_lowercase().contains("timed out")
                    || msg.contains("deadline")
                {
                    return Err(timed_out());
                }
                return Err(err(
                    fname,
                    format!("reading the body of {final_url} failed: {msg}"),
                ));
            }
        };
        if body.len() as u64 + n as u64 > cap {
            return Err(err(
                fname,
                format!("response body from {final_url} is larger than the limit of {cap} bytes"),
            ));
        }
        // What the buffer will hold once this chunk is in (it grows by
        // doubling past what was announced).
        let need = body.len() + n;
        let grown = if need > body.capacity() {
            need.max(2 * body.capacity())
        } else {
            body.capacity()
        };
        charged.cover(thread, grown + CHUNK).map_err(|mut e| {
            e.msg = format!("{} reading the body of {final_url}", e.msg);
            e
        })?;
        body.extend_from_slice(&buf[..n]);
        report(body.len() as u64, false);
    }
    report(body.len() as u64, true);
    Ok(body)
}

/// How much of a body is read at a time.
const CHUNK: usize = 64 * 1024;

/// The response struct: `url`, `status_code`, `headers` (repeated values
/// joined with commas), `encoding`, and the `body()` and `json()` methods.
/// Each call of `body()` or `json()` makes a new string of the body, and is
/// charged for it.
fn response_value(got: Fetched) -> Result<Value> {
    let Fetched {
        url: final_url,
        status,
        headers,
        encoding,
        body,
    } = got;
    let headers = crate::util::dict(
        headers
            .into_iter()
            .map(|(k, v)| (Value::from(k), Value::from(v.join(","))))
            .collect(),
    )?;
    let body = Rc::new(body);
    let b1 = body.clone();
    let body_fn = Builtin::host("body", move |thread, args| {
        args.none("body")?;
        budget::charge(thread, "body", b1.len() + 24)?;
        Ok(Value::str_bytes(b1.as_slice()))
    });
    let b2 = body.clone();
    let json_fn = Builtin::host("json", move |thread, args| {
        args.none("json")?;
        // The text handed to the decoder (the decoder charges its values).
        budget::charge(thread, "json", b2.len() + 24)?;
        thread
            .call(
                &json_function("decode"),
                &Args::positional(vec![Value::str_bytes(b2.as_slice())]),
            )
            .map_err(|e| {
                EvalError::new(format!("json: response body is not valid JSON: {}", e.msg))
            })
    });
    let mut fields = BTreeMap::new();
    fields.insert("url".to_string(), Value::from(final_url));
    fields.insert("status_code".to_string(), Value::Int(i64::from(status)));
    fields.insert("headers".to_string(), headers);
    fields.insert("encoding".to_string(), Value::from(encoding.join(",")));
    fields.insert("body".to_string(), body_fn);
    fields.insert("json".to_string(), json_fn);
    Ok(Value::Struct(Rc::new(Struct::new(fields))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;
    use std::str::FromStr;

    /// Wakes the test's thread when the lookup is done.
    struct Unpark(std::thread::Thread);

    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    fn resolve_now(host: &str) -> std::result::Result<Vec<std::net::SocketAddr>, String> {
        let name = reqwest::dns::Name::from_str(host).expect("valid name");
        let mut fut = GuardedResolver::system().resolve(name);
        let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
        let mut cx = std::task::Context::from_waker(&waker);
        loop {
            match fut.as_mut().poll(&mut cx) {
                std::task::Poll::Ready(r) => {
                    return r.map(|a| a.collect()).map_err(|e| e.to_string())
                }
                std::task::Poll::Pending => std::thread::park(),
            }
        }
    }

    /// A name server that does not answer holds a request no longer than
    /// its deadline, and holds up no other request: the lookup waits on its
    /// own thread while the client goes on. (The lookups here fail without
    /// answering: nothing is sent anywhere.)
    #[test]
    fn a_slow_lookup_holds_up_nothing_else() {
        let resolver = GuardedResolver {
            lookup: |host| {
                if host.starts_with("slow") {
                    std::thread::sleep(std::time::Duration::from_secs(4));
                }
                Err(std::io::Error::other(format!("no answer for {host}")))
            },
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .dns_resolver(std::sync::Arc::new(resolver))
            .timeout(std::time::Duration::from_millis(300))
            .no_proxy()
            .build()
            .expect("client");
        let start = std::time::Instant::now();
        let e = client
            .get("http://slow.invalid/")
            .send()
            .expect_err("the lookup never answers in time");
        assert!(e.is_timeout(), "{e:?}");
        // The next request's lookup answers at once, while the first one
        // still waits: its own error comes back, not a timeout.
        let e = client
            .get("http://fast.invalid/")
            .send()
            .expect_err("the lookup fails");
        assert!(!e.is_timeout(), "{e:?}");
        assert!(
            error_chain(&e).contains("no answer for fast.invalid"),
            "{e:?}"
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn resolver_refuses_private_addresses_at_connect_time() {
        let e = resolve_now("localhost").unwrap_err();
        assert!(
            e.contains("localhost resolves to") && e.contains("loopback"),
            "{e}"
        );
    }

    /// A block that does not parse would match nothing: every one must.
    #[test]
    fn every_special_purpose_block_is_a_valid_aligned_prefix() {
        for (cidr, name) in SPECIAL_PURPOSE_BLOCKS {
            let (net, len) = cidr.split_once('/').expect(cidr);
            let net: IpAddr = net.parse().expect(cidr);
            let len: u32 = len.parse().expect(cidr);
            let host_bits = u128::MAX.checked_shr(len).unwrap_or(0);
            assert_eq!(bits(net).0 & host_bits, 0, "{cidr} ({name}) is not aligned");
            assert!(within(net, cidr), "{cidr} ({name})");
            assert!(special(net).is_some(), "{cidr} ({name})");
        }
        assert!(within("10.1.2.3".parse().unwrap(), "10.0.0.0/8"));
        assert!(!within("11.0.0.0".parse().unwrap(), "10.0.0.0/8"));
        assert!(!within("::a00:1".parse().unwrap(), "10.0.0.0/8"));
        assert!(within("::".parse().unwrap(), "::/0"));
    }

    #[test]
    fn canonical_header_names() {
        assert_eq!(canonical_header("content-type"), "Content-Type");
        assert_eq!(canonical_header("x-request-id"), "X-Request-Id");
    }
}
