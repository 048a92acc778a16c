#!/usr/bin/env python3
"""Run Qri's own transform scripts, unchanged, under Quarry's starlib 1.x.

For every `.star` file in a Qri checkout at Qri's last commit (HEAD) and at
the tags v0.10.0 and v0.9.13, this runner extracts the script into a fresh
temporary directory, pins it with `quarry lock FILE --starlib 1`, gives it the
inputs Qri's Go test gave it (bodies and metas from Qri's testdata, read from
the checkout at run time; `--config`/`--secret` values), runs it with
`quarry save` or `quarry apply` in a store of its own (`--repo`), and checks
what Qri's Go test for that script asserts.

Nothing of Qri is stored here: the scripts and testdata files are read from
the Qri checkout named on the command line. The expectations in CASES are the
outcomes Qri's tests assert, restated as data (body rows, meta fields,
printed text, expected refusals); each names the Go test it comes from.

Usage:
    python3 compat/qri.py --qri /path/to/qri[.git] --quarry path/to/quarry [-v]

  --qri     a Qri git directory (bare or a checkout; read with `git show`)
  --quarry  the Quarry CLI binary
  --refs    Qri revisions to cover (default: HEAD v0.10.0 v0.9.13)
  -v        print each quarry command and its output when a case fails

Output: one line per script, `PASS ref:path`, `FAIL ref:path: reason` (every
failed check, first differing value or the error), `DIFFERS ref:path: why`
(a check fails only where Quarry differs from Qri on purpose, named in the
case with what was observed) or `SKIP ref:path: why`, then `N of M Qri
scripts pass unchanged` (M counts the scripts that were run). Exit status 1
if any script fails.

Comparing bodies: Quarry bodies are tables. A Qri JSON body entry that is a
scalar (`["no title"]`) is compared as a one-column row (`[["no title"]]`),
the documented 1.x mapping of a list of scalars; every other value, type and
column name is compared as Qri's test states it. Qri CSV bodies without a
header row are compared with the rows of `quarry get body --format csv`
(its header line, which Quarry always writes, dropped).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DEFAULT_REFS = ["HEAD", "v0.10.0", "v0.9.13"]

# Setup transforms written for this runner (not Qri's): give a dataset a meta
# title, as Qri's tests did with a meta component or a dataset file.
SET_TITLE = 'ds = dataset.latest()\nds.set_meta("title", %r)\ndataset.commit(ds)\n'

CITIES = [["toronto", 50000000, 55.5, False], ["new york", 8500000, 44.4, True],
          ["chicago", 300000, 44.4, True], ["chatham", 35000, 65.25, True],
          ["raleigh", 250000, 50.65, True]]
TOKYO = ["tokyo", 9200000, 48.5, False]
AVATAR, PIRATES = "Avatar", "Pirates of the Caribbean: At World's End"

# Steps (run in order, in one store per script):
#   ("body", DS, SRC)            save SRC as DS's body; SRC is a testdata path in
#                                Qri (read at the script's revision) or
#                                ("json", rows) written by the runner
#   ("setup", DS, TEXT)          save a runner-written 1.x transform into DS
#   ("qri_save", DS, PATH)       save another Qri script (same revision) into DS
#   ("save", DS, ARGS)           save the script under test into DS; must succeed
#   ("save_refused", DS, RE)     saving it again must fail (non-zero exit, message
#                                matching RE) and make no version
#   ("apply", DS|None, ARGS)     dry-run the script; must succeed
#   ("apply_err", DS, RE)        dry-run must fail with a message matching RE
# Checks:
#   ("printed", TEXT)            the last run's print output equals TEXT
#   ("printed_has", TEXT)        the last run's print output contains TEXT
#   ("rows", DS, ROWS)           body rows, typed (from --format json)
#   ("csv", DS, TEXT)            body as CSV, header included, exactly
#   ("csv_rows", DS, TEXT)       body as CSV without Quarry's header line
#   ("columns", DS, NAMES)       body column names
#   ("row_count", DS, N)         number of body rows
#   ("same_body_as", DS, "@1")   body equals that of version 1
#   ("meta", DS, KEY, VALUE)     meta field of the latest version
#   ("preview_meta", KEY, VALUE) the last apply reports meta KEY set to VALUE
#   ("preview_rows", ROWS)       the last apply's preview rows (as text cells)
#   ("versions", DS, N)          number of versions of DS
#   ("script_stored", DS)        the stored transform is the script's source
#
# A case lists the scripts it covers ("rev:path") and the Go test asserting it.
CASES = [
    # --- cmd/testdata/movies (cmd/*_test.go) --------------------------------
    dict(scripts=["HEAD:cmd/testdata/movies/tf.star", "v0.10.0:cmd/testdata/movies/tf.star",
                  "v0.9.13:cmd/testdata/movies/tf.star"],
         test="cmd/cmd_test.go TestSaveThenOverrideTransform (ds_ten.yaml, then the "
              "transform: a new version adding the transform, body and meta unchanged)",
         steps=[("body", "me/test_ds", "cmd/testdata/movies/body_ten.csv"),
                ("setup", "me/test_ds", SET_TITLE % "example movie data"),
                ("save", "me/test_ds", []),
                ("versions", "me/test_ds", 3),
                ("same_body_as", "me/test_ds", "@~1"),
                ("meta", "me/test_ds", "title", "example movie data")]),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_123.star", "v0.10.0:cmd/testdata/movies/tf_123.star",
                  "v0.9.13:cmd/testdata/movies/tf_123.star"],
         test="cmd/cmd_test.go TestSaveTransformWithoutChanges (prints 'setting body'; "
              "saving again fails with 'saving failed: no changes')",
         steps=[("save", "me/test_ds", []),
                ("printed_has", "setting body"),
                ("save_refused", "me/test_ds", r"no changes")],
         deliberate={"save_refused": "a save that changes nothing commits nothing and says "
                                     "'no changes' but exits 0, so an unchanged scheduled "
                                     "refresh is not a failure"}),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_modified.star",
                  "v0.10.0:cmd/testdata/movies/tf_modified.star",
                  "v0.9.13:cmd/testdata/movies/tf_modified.star"],
         test="cmd/cmd_test.go TestSaveTransformModifiedButSameBody (after tf_123.star, a "
              "changed transform giving the same body still makes a second version)",
         steps=[("qri_save", "me/test_ds", "cmd/testdata/movies/tf_123.star"),
                ("save", "me/test_ds", []),
                ("versions", "me/test_ds", 2)]),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_one_movie.star",
                  "v0.10.0:cmd/testdata/movies/tf_one_movie.star"],
         test="cmd/apply_test.go TestTransformApply, TestApplyRefNotFound; "
              "cmd/save_test.go TestSaveTwiceWithTransform",
         deliberate={"apply_err": "apply to a dataset that does not exist previews its "
                                  "first version, as save would create it"},
         steps=[("apply", None, []),
                ("preview_rows", [["Spectre", 148]]),
                ("apply_err", "me/not_found", r"not found"),
                ("body", "me/my_ds", "cmd/testdata/movies/body_ten.csv"),
                ("save", "me/my_ds", []),
                ("script_stored", "me/my_ds")]),
    dict(scripts=["v0.9.13:cmd/testdata/movies/tf_one_movie.star"],
         test="cmd/save_test.go TestSaveTwiceWithTransform (the stored transform is the file)",
         steps=[("body", "me/my_ds", "cmd/testdata/movies/body_ten.csv"),
                ("save", "me/my_ds", []),
                ("script_stored", "me/my_ds")]),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_add_row.star"],
         test="cmd/cmd_test.go TestTransformUsingGetBodyAndSetBody, "
              "cmd/apply_test.go TestApplyModifyBody (body_two.json plus a Batman row)",
         steps=[("body", "me/test_ds", "cmd/testdata/movies/body_two.json"),
                ("apply", "me/test_ds", []),
                ("preview_rows", [[AVATAR, 178], [PIRATES, 169], ["Batman", 126]]),
                ("save", "me/test_ds", []),
                ("rows", "me/test_ds", [[AVATAR, 178], [PIRATES, 169], ["Batman", 126]])]),
    dict(scripts=["v0.10.0:cmd/testdata/movies/tf_add_one.star"],
         test="cmd/apply_test.go TestApplyModifyBody, cmd/cmd_test.go "
              "TestTransformUsingGetBodyAndSetBody (body_two.json, durations plus one)",
         steps=[("body", "me/test_ds", "cmd/testdata/movies/body_two.json"),
                ("apply", "me/test_ds", []),
                ("preview_rows", [[AVATAR, 179], [PIRATES, 170]]),
                ("save", "me/test_ds", []),
                ("rows", "me/test_ds", [[AVATAR, 179], [PIRATES, 170]])]),
    dict(scripts=["v0.9.13:cmd/testdata/movies/tf_add_one.star"],
         test="cmd/cmd_test.go TestTransformUsingGetBodyAndSetBody (body_two.json, "
              "durations plus one)",
         steps=[("body", "me/test_ds", "cmd/testdata/movies/body_two.json"),
                ("save", "me/test_ds", []),
                ("rows", "me/test_ds", [[AVATAR, 179], [PIRATES, 170]])]),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_set_len.star",
                  "v0.10.0:cmd/testdata/movies/tf_set_len.star",
                  "v0.9.13:cmd/testdata/movies/tf_set_len.star"],
         test="cmd/save_test.go TestSaveTransformUsingPrev (body.csv is "
              "'movie_title,duration' / 'Number of Movies,8')",
         steps=[("body", "me/my_ds", "cmd/testdata/movies/body_ten.csv"),
                ("save", "me/my_ds", []),
                ("csv", "me/my_ds", "movie_title,duration\nNumber of Movies,8\n")]),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_set_meta.star",
                  "v0.10.0:cmd/testdata/movies/tf_set_meta.star"],
         test="cmd/apply_test.go TestApplyMetaOnly, TestTransformApply; "
              "cmd/save_test.go TestSaveTransformSetMeta (meta title 'Did Set Title')",
         steps=[("apply", None, []),
                ("preview_meta", "title", "Did Set Title"),
                ("body", "me/movies", "cmd/testdata/movies/body_ten.csv"),
                ("apply", "me/movies", []),
                ("preview_meta", "title", "Did Set Title"),
                ("save", "me/movies", []),
                ("meta", "me/movies", "title", "Did Set Title")]),
    dict(scripts=["v0.9.13:cmd/testdata/movies/tf_set_meta.star"],
         test="cmd/save_test.go TestSaveTransformSetMeta (meta title 'Did Set Title')",
         steps=[("body", "me/my_ds", "cmd/testdata/movies/body_ten.csv"),
                ("save", "me/my_ds", []),
                ("meta", "me/my_ds", "title", "Did Set Title")]),
    dict(scripts=["HEAD:cmd/testdata/movies/tf_use_config_secret.star"],
         test="cmd/save_test.go TestSaveTransformUsingConfigSecret (config animal_name=cat, "
              "secret animal_sound=meow; body.csv 'Name,cat' / 'Sound,meow')",
         steps=[("save", "me/my_ds", ["--config", "animal_name=cat",
                                      "--secret", "animal_sound=meow"]),
                ("csv_rows", "me/my_ds", "Name,cat\nSound,meow\n")],
         deliberate={"csv_rows": "secrets are redacted from stored results"}),
    dict(scripts=["v0.10.0:cmd/testdata/movies/tf_use_config_secret.star",
                  "v0.9.13:cmd/testdata/movies/tf_use_config_secret.star"],
         test="cmd/save_test.go TestSaveTransformUsingConfigSecret (body.json "
              "[[Name, cat], [Sound, meow]])",
         steps=[("save", "me/my_ds", ["--config", "animal_name=cat",
                                      "--secret", "animal_sound=meow"]),
                ("rows", "me/my_ds", [["Name", "cat"], ["Sound", "meow"]])],
         deliberate={"rows": "secrets are redacted from stored results"}),

    # --- lib/testdata (lib/*_test.go) ---------------------------------------
    dict(scripts=["HEAD:lib/testdata/cities_2/add_city.star",
                  "v0.10.0:lib/testdata/cities_2/add_city.star"],
         test="lib/automation_test.go TestApplyTransform (cities_2/body.csv plus tokyo), "
              "lib/datasets_test.go TestDatasetRequestsSaveApply",
         steps=[("body", "me/cities_ds", "lib/testdata/cities_2/body.csv"),
                ("save", "me/cities_ds", []),
                ("rows", "me/cities_ds", CITIES + [TOKYO])]),
    dict(scripts=["HEAD:lib/testdata/tf/transform.star", "v0.10.0:lib/testdata/tf/transform.star"],
         test="lib/datasets_test.go TestDatasetRequestsSaveApply (saving it with apply "
              "into a new dataset succeeds)",
         steps=[("save", "me/hello", [])]),

    # --- transform/startf/testdata (startf/*_test.go) -----------------------
    dict(scripts=["HEAD:transform/startf/testdata/tf.star"],
         test="transform/startf/transform_test.go TestExecScript (3 entries)",
         steps=[("save", "me/ds", []),
                ("row_count", "me/ds", 3)]),
    dict(scripts=["v0.10.0:transform/startf/testdata/tf.star", "v0.9.13:startf/testdata/tf.star"],
         test="startf/transform_test.go TestExecScript (prints 'hello world!'; 8 entries)",
         steps=[("save", "me/ds", []),
                ("printed_has", "hello world!"),
                ("row_count", "me/ds", 8)]),
    dict(scripts=["HEAD:transform/startf/testdata/meta_title.star"],
         test="transform/startf/transform_test.go TestGetMetaNilPrev ('no title'), "
              "TestGetMetaWithPrev ('title: test_title')",
         steps=[("save", "me/nil_prev", []),
                ("csv_rows", "me/nil_prev", "no title\n"),
                ("setup", "me/with_prev", SET_TITLE % "test_title"),
                ("save", "me/with_prev", []),
                ("csv_rows", "me/with_prev", "title: test_title\n")]),
    dict(scripts=["v0.10.0:transform/startf/testdata/meta_title.star",
                  "v0.9.13:startf/testdata/meta_title.star"],
         test="startf/transform_test.go TestGetMetaNilPrev (body [\"no title\"]), "
              "TestGetMetaWithPrev ([\"title: test_title\"])",
         steps=[("save", "me/nil_prev", []),
                ("rows", "me/nil_prev", ["no title"]),
                ("setup", "me/with_prev", SET_TITLE % "test_title"),
                ("save", "me/with_prev", []),
                ("rows", "me/with_prev", ["title: test_title"])]),
    dict(scripts=["HEAD:transform/startf/testdata/set_meta.star"],
         test="transform/startf/transform_test.go TestEditMeta (peer/movies of Qri's test "
              "repo: meta title 'new title', 2335 entries)",
         steps=[("body", "peer/movies", "repo/test/testdata/movies/body.csv"),
                ("setup", "peer/movies", SET_TITLE % "example movie data"),
                ("save", "peer/movies", []),
                ("meta", "peer/movies", "title", "new title"),
                ("row_count", "peer/movies", 2335)]),
    dict(scripts=["HEAD:transform/startf/testdata/csv_with_header.star"],
         test="transform/transform_test.go TestApplyAssignsColumnsAndBody (columns name, "
              "sound as strings; body 'cat,meow' / 'dog,bark')",
         steps=[("save", "me/ds", []),
                ("columns", "me/ds", ["name", "sound"]),
                ("csv_rows", "me/ds", "cat,meow\ndog,bark\n")]),
    dict(scripts=["HEAD:transform/startf/testdata/dataset_body_get.star"],
         test="transform/startf/dataset_test.go TestDatasetBodyGet (a headerless csv body "
              "cat,meow,5 / dog,bark,6 / eel,zap,7 printed as a frame)",
         steps=[("body", "me/my_ds", ("json", [["cat", "meow", 5], ["dog", "bark", 6],
                                               ["eel", "zap", 7]])),
                ("apply", "me/my_ds", []),
                ("printed", "       0     1  2\n"
                            "0    cat  meow  5\n"
                            "1    dog  bark  6\n"
                            "2    eel   zap  7\n")]),
    dict(scripts=["HEAD:transform/startf/testdata/dataset_body_set.star"],
         test="transform/startf/dataset_test.go TestDatasetBodySet (the assigned body "
              "printed as a frame)",
         steps=[("apply", None, []),
                ("printed", "          0  1  2  3\n"
                            "0     apple  2  3  4\n"
                            "1    banana  5  6  7\n")]),

    # --- scripts no case runs: `skip` says why (matched by path suffix, for
    #     any revision where no case above names the script) -----------------
    dict(skip_paths=["transform/staticlark/testdata/"],
         skip="static-analysis fixture, not a transform"),
    dict(skip_paths=["startf/testdata/fetch.star"],
         skip="needs the Go harness: Qri's test predeclares `test_server_url` "
              "(TestExecScript2)"),
    dict(skip_paths=["startf/testdata/load_ds.star"],
         skip="needs the Go harness: assert.star comes from the Go test's module "
              "loader and peer/movies from Qri's in-memory test repo (HEAD/v0.10.0 "
              "also assert its IPFS path)"),
    dict(skip_paths=["startf/ds/testdata/test.star"],
         skip="needs the Go harness: Qri's test predeclares `csv_ds` "
              "(ds/dataset_test.go TestFile)"),
    dict(skip_paths=["startf/context/testdata/test.star"],
         skip="needs the Go harness: Qri's test predeclares `ctx` and `dl_ctx` "
              "(context_test.go)"),
    dict(skip_paths=["startf/qri/testdata/test.star"],
         skip="Qri's own test is skipped (qri_test.go: t.Skip)"),
    dict(skip_paths=["lib/testdata/now_tf/transform.star"],
         skip="no Qri test executes it (stored as the now_tf fixture's transform; no "
              "expected outcome)"),
    dict(skip_paths=["complete/transform.star"],
         skip="no Qri test executes it (a fixture's stored transform component; no "
              "expected outcome)"),
    dict(skip_paths=["all_fields/transform.star"],
         skip="no Qri test executes it (stored and read back byte-for-byte; no "
              "expected outcome)"),
    dict(skip_paths=["lib/testdata/tf/transform.star"],
         skip="no Qri test executes it at this revision (lib/file_test.go only reads "
              "the file)"),
    dict(skip_paths=["api/testdata/cities/transform.star"],
         skip="no Qri test executes it (uploaded with apply=false in "
              "api/handlers_test.go)"),
]

class CaseFailed(Exception):
    pass


class Qri:
    """Reads files of a Qri git directory at a revision."""

    def __init__(self, gitdir):
        self.gitdir = gitdir

    def git(self, *args):
        return subprocess.run(["git", "-C", self.gitdir, *args], check=True,
                              capture_output=True).stdout

    def stars(self, rev):
        names = self.git("ls-tree", "-r", "--name-only", rev).decode().splitlines()
        return [n for n in names if n.endswith(".star")]

    def show(self, rev, path):
        return self.git("show", "%s:%s" % (rev, path))


class Run:
    """One script's run: a temp dir with the script and its own store."""

    def __init__(self, quarry, qri, rev, path, verbose):
        self.quarry, self.qri, self.rev, self.path = quarry, qri, rev, path
        self.verbose = verbose
        self.dir = tempfile.mkdtemp(prefix="qri-compat-")
        self.repo = os.path.join(self.dir, "store")
        self.log = []
        self.last = None          # the last save/apply JSON of the script under test
        self.failures = []
        self.script = self.extract(path, "script")

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def extract(self, path, sub, text=None):
        d = os.path.join(self.dir, sub)
        os.makedirs(d, exist_ok=True)
        f = os.path.join(d, os.path.basename(path))
        data = self.qri.show(self.rev, path) if text is None else text.encode()
        with open(f, "wb") as fh:
            fh.write(data)
        r = self.q("lock", f, "--starlib", "1", cwd=d)
        if r.returncode != 0:
            raise CaseFailed("quarry lock --starlib 1 refused %s: %s"
                             % (os.path.basename(path), first_line(r.stderr or r.stdout)))
        return f

    def q(self, *args, cwd=None):
        cmd = [self.quarry, *args]
        if args[0] not in ("lock",):
            cmd += ["--repo", self.repo]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or self.dir,
                           timeout=300)
        self.log.append("$ %s\n[exit %d]\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                   r.stderr))
        return r

    def must(self, what, r):
        if r.returncode != 0:
            msg = error_text(r).replace(self.dir + os.sep, "")
            raise CaseFailed("%s failed: %s" % (what, msg))
        return r

    def testdata(self, path):
        try:
            return self.qri.show(self.rev, path)
        except subprocess.CalledProcessError:
            return self.qri.show("HEAD", path)

    # --- steps ---------------------------------------------------------------
    def step(self, s):
        op = s[0]
        if op == "body":
            _, ds, src = s
            if isinstance(src, tuple):
                f = os.path.join(self.dir, "body.json")
                with open(f, "w") as fh:
                    json.dump(src[1], fh)
            else:
                f = os.path.join(self.dir, os.path.basename(src))
                with open(f, "wb") as fh:
                    fh.write(self.testdata(src))
            self.must("saving the input body %s" % os.path.basename(f),
                      self.q("save", ds, "--body", f))
        elif op == "setup":
            _, ds, text = s
            f = self.extract("setup.star", "setup", text)
            self.must("the setup transform", self.q("save", ds, "--file", f))
        elif op == "qri_save":
            _, ds, path = s
            f = self.extract(path, "prior")
            self.must("saving the prior Qri script %s" % os.path.basename(path),
                      self.q("save", ds, "--file", f))
        elif op == "save":
            _, ds, args = s
            r = self.q("save", ds, "--file", self.script, "--json", *args)
            if r.returncode != 0:
                # A failed run's JSON report keeps the lines printed before it.
                try:
                    lines = json.loads(r.stderr[r.stderr.index("{"):]).get("output", [])
                    self.last = {"output": "".join(l + "\n" for l in lines)}
                except ValueError:
                    self.last = None
            r = self.must("quarry save", r)
            self.last = json.loads(r.stdout)
            if not self.last.get("committed"):
                raise CaseFailed("quarry save committed nothing: %s" % first_line(r.stderr))
        elif op == "save_refused":
            _, ds, pattern = s
            before = self.versions(ds)
            r = self.q("save", ds, "--file", self.script)
            msg = r.stdout + r.stderr
            after = self.versions(ds)
            if after != before:
                self.fail("saving again made version %d (Qri refuses: no changes)" % after)
            elif r.returncode == 0:
                self.fail("saving again exited 0 (Qri's save returns an error); it said: %s"
                          % first_line(grep(msg, pattern) or msg))
            elif not re.search(pattern, msg):
                self.fail("saving again failed with %r, not /%s/" % (error_text(r), pattern))
        elif op == "apply":
            _, ds, args = s
            r = self.must("quarry apply", self.q("apply", self.script, *([ds] if ds else []),
                                                 "--json", *args))
            self.last = json.loads(r.stdout)
        elif op == "apply_err":
            _, ds, pattern = s
            r = self.q("apply", self.script, ds)
            if r.returncode == 0:
                self.fail("apply to missing %s succeeded (Qri: 'reference not found')" % ds)
            elif not re.search(pattern, r.stdout + r.stderr):
                self.fail("apply to missing %s failed with %r, not /%s/"
                          % (ds, error_text(r), pattern))
        else:
            self.check(s)

    # --- checks --------------------------------------------------------------
    def check(self, s):
        op = s[0]
        if op in ("printed", "printed_has"):
            out = (self.last or {}).get("output", "")
            ok = out == s[1] if op == "printed" else s[1] in out
            if not ok:
                self.fail("printed %r, expected %s %r" % (out, "exactly" if op == "printed"
                                                         else "a line", s[1]))
        elif op == "rows":
            _, ds, want = s
            want = [w if isinstance(w, list) else [w] for w in want]
            got = self.rows(ds)
            if got != want:
                self.fail("body of %s: %s" % (ds, first_diff(want, got)))
        elif op in ("csv", "csv_rows"):
            _, ds, want = s
            got = self.get_body(ds, "csv").replace("\r\n", "\n")
            if op == "csv_rows":
                got = got.split("\n", 1)[1] if "\n" in got else ""
            if got != want:
                self.fail("body of %s as csv%s: %r, expected %r"
                          % (ds, " (rows)" if op == "csv_rows" else "", got, want))
        elif op == "columns":
            _, ds, want = s
            got = self.get_body(ds, "csv").split("\n", 1)[0].strip("\r").split(",")
            if got != want:
                self.fail("columns of %s: %s, expected %s" % (ds, got, want))
        elif op == "row_count":
            _, ds, want = s
            got = len(self.rows(ds))
            if got != want:
                self.fail("%s has %d rows, expected %d" % (ds, got, want))
        elif op == "same_body_as":
            _, ds, ref = s
            if self.get_body(ds, "csv") != self.get_body(ds + ref, "csv"):
                self.fail("body of %s changed from %s%s" % (ds, ds, ref))
        elif op == "meta":
            _, ds, key, want = s
            r = self.must("quarry get meta", self.q("get", "meta", ds, "--json"))
            meta = json.loads(r.stdout) or {}
            if meta.get(key) != want:
                self.fail("meta %s of %s is %r, expected %r" % (key, ds, meta.get(key), want))
        elif op == "preview_meta":
            _, key, want = s
            changes = (self.last or {}).get("preview", {}).get("meta", [])
            got = [c.get("new") for c in changes if c.get("field") == key]
            if got != [want]:
                self.fail("apply preview sets meta %s to %r, expected %r"
                          % (key, got[0] if got else None, want))
        elif op == "preview_rows":
            want = [[cell_text(v) for v in row] for row in s[1]]
            got = (self.last or {}).get("preview", {}).get("head")
            if got != want:
                self.fail("apply preview rows: %s" % first_diff(want, got))
        elif op == "versions":
            _, ds, want = s
            got = self.versions(ds)
            if got != want:
                self.fail("%s has %d versions, expected %d" % (ds, got, want))
        elif op == "script_stored":
            _, ds = s
            r = self.must("quarry get", self.q("get", ds, "--json"))
            stored = ((json.loads(r.stdout).get("transform") or {}).get("script") or "")
            with open(self.script) as fh:
                source = fh.read()
            if stored.strip() != source.strip():
                self.fail("stored transform of %s differs from the script" % ds)
        else:
            raise ValueError("unknown step %r" % (op,))

    def fail(self, why):
        self.failures.append(why)

    def get_body(self, ref, fmt):
        return self.must("quarry get body %s" % ref,
                         self.q("get", "body", ref, "--format", fmt)).stdout

    def rows(self, ds):
        text = self.get_body(ds, "json")
        data = json.loads(text, object_pairs_hook=lambda pairs: [v for _, v in pairs])
        return data

    def versions(self, ds):
        r = self.q("log", ds, "--json")
        return len(json.loads(r.stdout)) if r.returncode == 0 else 0


def cell_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def grep(text, pattern):
    return "\n".join(l for l in text.splitlines() if re.search(pattern, l))


def error_text(r):
    """The error a failed quarry command reported (its JSON `error`, else its
    first `error:` line, else its first line of output)."""
    for text in (r.stdout, r.stderr):
        try:
            err = json.loads(text[text.index("{"):]).get("error")
            if err:
                return err.splitlines()[0].strip()
        except (ValueError, AttributeError):
            pass
    lines = [l for l in (r.stderr + r.stdout).splitlines()
             if l.strip() and not l.startswith("running ")]
    for l in lines:
        if l.lower().startswith("error"):
            return l.strip()
    return lines[0].strip() if lines else "exit %d" % r.returncode


def first_diff(want, got):
    if not isinstance(got, list):
        return "got %r, expected %r" % (got, want)
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            return "row %d is %r, expected %r" % (i, g, w)
    return "%d rows, expected %d (%r)" % (len(got), len(want),
                                          got[len(want):] or want[len(got):])


def skip_reason(path):
    for case in CASES:
        if any(p in path for p in case.get("skip_paths", [])):
            return case["skip"]
    return None


def run_case(args, qri, rev, path, case):
    """(failures, differences): a failed step listed in the case's
    `deliberate` (step kind -> why Quarry differs on purpose) is a
    difference, reported with what was observed, and the case goes on."""
    run = Run(args.quarry, qri, rev, path, args.verbose)
    deliberate = case.get("deliberate", {})
    differences = []
    try:
        for s in case["steps"]:
            before = len(run.failures)
            try:
                run.step(s)
            except CaseFailed as e:
                run.failures.append(str(e))
                if s[0] not in deliberate:
                    break
            if s[0] in deliberate and len(run.failures) > before:
                observed = "; ".join(run.failures[before:])
                del run.failures[before:]
                differences.append("%s (observed: %s)" % (deliberate[s[0]], observed))
    finally:
        if run.failures and args.verbose:
            print("\n".join("    " + l for l in "\n".join(run.log).splitlines()))
        run.close()
    return run.failures, differences


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qri", required=True, help="Qri git directory (bare or checkout)")
    ap.add_argument("--quarry", required=True, help="the quarry binary")
    ap.add_argument("--refs", nargs="+", default=DEFAULT_REFS)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    args.quarry = os.path.abspath(args.quarry) if os.sep in args.quarry else args.quarry
    qri = Qri(args.qri)

    table = {}
    for case in CASES:
        for spec in case.get("scripts", []):
            table[spec] = case

    passed = failed = skipped = differ = 0
    for rev in args.refs:
        for path in qri.stars(rev):
            name = "%s:%s" % (rev, path)
            case = table.get(name)
            if case is None:
                why = skip_reason(path) or "no case in the table for this script"
                print("SKIP %s: %s" % (name, why))
                skipped += 1
                continue
            failures, differences = run_case(args, qri, rev, path, case)
            if failures:
                failed += 1
                print("FAIL %s: %s  [%s]" % (name, "; ".join(failures), case["test"]))
            elif differences:
                differ += 1
                print("DIFFERS %s: %s  [%s]" % (name, "; ".join(differences), case["test"]))
            else:
                passed += 1
                print("PASS %s" % name)
            sys.stdout.flush()
    print("%d of %d Qri scripts pass unchanged, %d more differ only where Quarry differs "
          "on purpose (%d failed, %d skipped; refs: %s)"
          % (passed, passed + failed + differ, differ, failed, skipped, " ".join(args.refs)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
