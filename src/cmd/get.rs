//! `quarry get [COMPONENT] REF` shows a version or one component of it;
//! `quarry export REF --format F -o FILE` writes a version's body.

use super::save::parse_format;
use super::{misuse, Context};
use anyhow::{anyhow, bail, Context as _, Result};
use datasets::{Body, Component, DatasetRef, Format, Store};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// `quarry get`'s arguments.
#[derive(clap::Args, Debug)]
pub struct GetArgs {
    /// `[COMPONENT] REF`: COMPONENT is body, meta, structure, commit,
    /// transform or readme (the whole version when omitted); REF is
    /// `peer/name`, `peer/name@<id prefix>` or `peer/name@~N`.
    #[arg(required = true, num_args = 1..=2, value_name = "[COMPONENT] REF")]
    pub args: Vec<String>,
    /// Write the body as csv, json, ndjson or parquet (default: a table).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// At most this many body rows (default: 50 in a table, all otherwise).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `quarry export`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The version (`peer/name`, `peer/name@<id prefix>`, `peer/name@~N`).
    pub reference: String,
    /// csv, json, ndjson or parquet (default: from the output file's extension).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// The file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE", required = true)]
    pub output: PathBuf,
}

const COMPONENTS: [(&str, Component); 6] = [
    ("body", Component::Body),
    ("meta", Component::Meta),
    ("structure", Component::Structure),
    ("commit", Component::Commit),
    ("transform", Component::Transform),
    ("readme", Component::Readme),
];

/// `quarry get`.
pub fn run(ctx: &Context, a: &GetArgs) -> Result<ExitCode> {
    let (component, reference) = match a.args.as_slice() {
        [r] => (None, r.as_str()),
        [c, r] => match COMPONENTS.iter().find(|(n, _)| n == c) {
            Some((_, comp)) => (Some(*comp), r.as_str()),
            None => misuse(format!(
                "unknown component '{c}': expected one of body, meta, structure, commit, transform, readme"
            )),
        },
        _ => misuse("expected [COMPONENT] REF".into()),
    };
    if a.format.is_some() && !matches!(component, Some(Component::Body)) {
        misuse("--format applies to the body: quarry get body REF --format csv".into());
    }
    let store = ctx.open_existing()?;
    let version = store.resolve(reference)?;
    let at = DatasetRef::at(version.name.clone(), version.id);
    let emit = |out: &mut dyn Write| show(ctx, &store, &at, component, a, out);
    match &a.output {
        // All or nothing: a failure leaves no file behind.
        Some(p) => datasets::body::write_file_atomically(p, |w| emit(w))
            .with_context(|| format!("cannot write {}", p.display()))?,
        None => emit(&mut std::io::stdout().lock())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Write the version at `at`, or its `component`, to `out`.
fn show(
    ctx: &Context,
    store: &Store,
    at: &DatasetRef,
    component: Option<Component>,
    a: &GetArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let reference = &at.name;
    match component {
        None => whole(ctx, store, at, out)?,
        Some(Component::Body) => body(ctx, store, at, a, out)?,
        Some(Component::Readme) if !ctx.json => match store.readme(at)? {
            Some(r) => write!(out, "{r}")?,
            None => eprintln!("{} has no readme", reference),
        },
        Some(Component::Transform) if !ctx.json => match store.transform(at)? {
            Some(t) => {
                writeln!(out, "# starlib {}", t.starlib_version)?;
                if !t.config.is_empty() {
                    writeln!(out, "# config {}", serde_json::to_string(&t.config)?)?;
                }
                write!(out, "{}", t.script)?;
            }
            None => eprintln!("{} was not made by a transform", reference),
        },
        Some(c) => match store.component_json(at, c) {
            Ok(v) => writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?,
            Err(datasets::DatasetError::Invalid(m)) => bail!(m),
            Err(e) => return Err(e.into()),
        },
    }
    out.flush()?;
    Ok(())
}

fn whole(ctx: &Context, store: &Store, at: &DatasetRef, out: &mut dyn Write) -> Result<()> {
    let d = store.get(at)?;
    if ctx.json {
        let v = crate::report::VersionReport::from(d);
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(out, "{}@{} (version {})", d.name, d.id.to_hex(), d.seq)?;
    writeln!(
        out,
        "commit:  {} ({}, {})",
        d.commit.title,
        if d.commit.author.is_empty() {
            "no author"
        } else {
            &d.commit.author
        },
        crate::render::time(&d.commit.timestamp)
    )?;
    if !d.commit.message.is_empty() {
        writeln!(out, "         {}", d.commit.message)?;
    }
    writeln!(
        out,
        "body:    {} rows, {} columns, {} parquet",
        d.structure.rows,
        d.structure.columns,
        crate::render::size(d.structure.length)
    )?;
    let schema = crate::render::schema(
        d.structure
            .schema
            .iter()
            .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable)),
    );
    for l in schema.lines() {
        writeln!(out, "  {l}")?;
    }
    if let Some(m) = &d.meta {
        writeln!(out, "meta:    {}", serde_json::to_string(m)?)?;
    }
    if let Some(t) = &d.transform {
        writeln!(
            out,
            "transform: starlib {}, {} lines",
            t.starlib_version,
            t.script.lines().count()
        )?;
    }
    if let Some(p) = &d.provenance {
        for i in &p.inputs {
            writeln!(
                out,
                "read:    {}@{}",
                i.dataset,
                crate::render::short_id(&i.version)
            )?;
        }
    }
    if let Some(r) = &d.readme {
        let first = r.lines().next().unwrap_or("");
        writeln!(out, "readme:  {first}")?;
    }
    Ok(())
}

fn limit_body(body: Body, limit: usize) -> Result<Body> {
    let mut left = limit;
    let mut batches = Vec::new();
    for b in body.batches {
        if left == 0 {
            break;
        }
        let n = b.num_rows().min(left);
        batches.push(b.slice(0, n));
        left -= n;
    }
    Ok(Body::new(body.schema, batches)?)
}

fn body(
    ctx: &Context,
    store: &Store,
    at: &DatasetRef,
    a: &GetArgs,
    out: &mut dyn Write,
) -> Result<()> {
    // --format, else the output file's extension, else JSON under --json;
    // otherwise a table for the terminal.
    let named = a.output.as_deref().and_then(Format::from_path);
    let format = match (a.format.or(named), ctx.json) {
        (Some(f), _) => Some(f),
        (None, true) => Some(Format::Json),
        (None, false) => None,
    };
    let Some(format) = format else {
        let body = store.body(at)?;
        let limit = a.limit.unwrap_or(50);
        let head = transforms::preview::head_rows(&body, limit)?;
        let names: Vec<&str> = body
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        write!(out, "{}", crate::render::table(&names, &head))?;
        if body.num_rows() > head.len() {
            writeln!(
                out,
                "... {} more rows (use --limit N, or --format csv for all)",
                body.num_rows() - head.len()
            )?;
        }
        return Ok(());
    };
    if format == Format::Parquet && a.output.is_none() && std::io::stdout().is_terminal() {
        bail!("parquet is binary: write it to a file with -o FILE");
    }
    let mut buf = Vec::new();
    match a.limit {
        // All of it: for Parquet, the stored file itself (verified).
        None => store.export_body(at, format, &mut buf)?,
        Some(n) => datasets::write_body(&limit_body(store.body(at)?, n)?, format, &mut buf)?,
    }
    out.write_all(&buf)?;
    Ok(())
}

/// `quarry export`.
pub fn export(ctx: &Context, a: &ExportArgs) -> Result<ExitCode> {
    let format = a.format.or_else(|| Format::from_path(&a.output)).ok_or_else(|| {
        anyhow!(
            "cannot tell the format of {} from its extension; pass --format csv|json|ndjson|parquet",
            a.output.display()
        )
    })?;
    let store = ctx.open_existing()?;
    let version = store.resolve(a.reference.as_str())?;
    let at = DatasetRef::at(version.name.clone(), version.id);
    let spinner = super::progress::spinner(format!("exporting {}", a.reference));
    let res = store.export_body_to_path(&at, &a.output, Some(format));
    spinner.finish_and_clear();
    res?;
    if ctx.json {
        ctx.print_json(&crate::report::ExportReport {
            dataset: version.name.to_string(),
            id: version.id,
            format: format.as_str().to_string(),
            path: a.output.clone(),
        })?;
    } else {
        println!(
            "wrote {}@{} as {} to {}",
            version.name,
            crate::render::short_id(&version.id),
            format,
            a.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
