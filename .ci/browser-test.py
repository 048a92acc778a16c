#!/usr/bin/env python3
"""The notebook page in a real browser: starts `quarry notebook` on a free
loopback port and drives headless Chromium through ChromeDriver (WebDriver
is JSON over HTTP, so the standard library is the whole client).

    .ci/browser-test.py target/debug/quarry [--screenshot docs/notebook.png]

Checks: a request without the token is refused; Run all shows each cell's
output; a table cell shows its profile with a histogram; editing the file
re-runs it and the page shows the new output; Save commits, as `quarry log`
then shows.
"""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TRANSFORM = '''load("table.star", "table")
cities = [
    ["Lagos", 15388000, "NG"], ["Cairo", 22183000, "EG"], ["Kinshasa", 16316000, "CD"],
    ["Luanda", 9292000, "AO"], ["Nairobi", 5325000, "KE"], ["Accra", 2660000, "GH"],
    ["Addis Ababa", 5461000, "ET"], ["Dakar", 3430000, "SN"], ["Abidjan", 5616000, "CI"],
    ["Casablanca", 3840000, "MA"], ["Algiers", 2902000, "DZ"], ["Kampala", 3652000, "UG"],
]
print("cities:", len(cities))
# %% As a table
t = table.from_rows(cities, columns=["city", "population", "country"])
t
# %% Largest
big = t.filter(t["population"] > 5000000)
print("over five million:", big.num_rows)
# %%
def transform(ds):
    ds.set_body(big)
'''

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, r.read()


class Browser:
    """A WebDriver session in headless Chromium."""

    def __init__(self, driver_port, profile_dir):
        self.base = f"http://127.0.0.1:{driver_port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,1500",
                     f"--user-data-dir={profile_dir}"]}}}}
        _, body = http("POST", self.base + "/session", caps)
        self.sid = json.loads(body)["value"]["sessionId"]

    def call(self, method, path, body=None):
        _, out = http(method, f"{self.base}/session/{self.sid}{path}", body)
        return json.loads(out)["value"]

    def go(self, url):
        self.call("POST", "/url", {"url": url})

    def find(self, css):
        return self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, css):
        self.call("POST", f"/element/{self.find(css)}/click", {})

    def js(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, what, script, timeout=30):
        start = time.time()
        while True:
            v = self.js(script)
            if v:
                return v
            if time.time() - start > timeout:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("GET", "/screenshot")))

    def quit(self):
        http("DELETE", f"{self.base}/session/{self.sid}")


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("ok:", msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("quarry")
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    quarry = os.path.abspath(a.quarry)
    work = tempfile.mkdtemp(prefix="quarry-browser-")
    repo = os.path.join(work, "store")
    script = os.path.join(work, "cities.star")
    with open(script, "w") as f:
        f.write(TRANSFORM)

    env = dict(os.environ)
    env.pop("QUARRY_HOME", None)
    nb = subprocess.Popen([quarry, "--repo", repo, "notebook", script, "me/cities", "--limit", "5"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    driver_port = free_port()
    driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={driver_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = None
    try:
        url = nb.stdout.readline().strip()
        check(url.startswith("http://127.0.0.1:") and "?token=" in url, f"notebook URL {url}")
        bare = url.split("?")[0] + "api/state"
        try:
            http("GET", bare)
            raise AssertionError("a request without the token was served")
        except urllib.error.HTTPError as e:
            check(e.code == 403, "a request without the token is refused (403)")

        for _ in range(100):
            try:
                http("GET", f"http://127.0.0.1:{driver_port}/status")
                break
            except OSError:
                time.sleep(0.1)
        browser = Browser(driver_port, os.path.join(work, "chromium"))
        browser.go(url)
        # The page shows the run the notebook starts with; then Run all runs again.
        seq = int(browser.wait("the first run", """const b = document.body.dataset;
            return b.running === 'false' && !document.getElementById('save').disabled ? b.seq : null;"""))
        browser.click("#run-all")
        statuses = browser.wait("every cell to run again", f"""
            const b = document.body.dataset;
            const s = [...document.querySelectorAll('.cell .status')].map(e => e.textContent);
            return Number(b.seq) > {seq} && b.running === 'false' && s.length === 4
                && s.every(t => t.startsWith('ok')) && !document.getElementById('save').disabled ? s : null;""")
        check(len(statuses) == 4, f"Run all ran every cell: {statuses}")
        outputs = browser.js("return [...document.querySelectorAll('.cell')].map(c => { const o = c.querySelector('.output'); return o ? o.textContent : ''; })")
        check(outputs[0] == "cities: 12\n", f"cell 1's output is shown: {outputs[0]!r}")
        check(outputs[2] == "over five million: 7\n", f"cell 3's output is shown: {outputs[2]!r}")
        info = browser.js("""const c = document.querySelectorAll('.cell')[1];
            return {pager: c.querySelector('.pager span').textContent,
                    rows: c.querySelectorAll('table.rows tr').length,
                    profile: [...c.querySelectorAll('table.profile tr')].map(r => r.textContent),
                    bars: c.querySelectorAll('svg.hist rect').length};""")
        check(info["pager"] == "table, 12 rows", f"the table cell shows its rows: {info['pager']}")
        check(any(r.startswith("populationint0") for r in info["profile"]),
              f"the profile shows the population column's type and nulls: {info['profile']}")
        check(info["bars"] == 10, "the numeric column has a 10-bin histogram")
        browser.click(".cell:nth-child(2) .pager .next")
        page = browser.wait("the next page", """const c = document.querySelectorAll('.cell')[1];
            const t = c.querySelector('.pager span').textContent;
            return t.startsWith('rows 6') ? [t, c.querySelector('table.rows tr:nth-child(2) td').textContent] : null;""")
        check(page == ["rows 6–10 of 12", "Accra"], f"the table pages forward: {page}")

        with open(script) as f:
            text = f.read()
        with open(script, "w") as f:
            f.write(text.replace('print("cities:", len(cities))', 'print("city count:", len(cities))'))
        browser.wait("the re-run after the file changed",
                     "const o = document.querySelector('.cell .output'); return o && o.textContent === 'city count: 12\\n'"
                     " && document.body.dataset.running === 'false' && !document.getElementById('save').disabled")
        check(True, "editing the file re-runs it and the page shows the new output")
        if a.screenshot:
            browser.screenshot(a.screenshot)
            print("screenshot:", a.screenshot)

        browser.click("#save")
        saved = browser.wait("the save", "const t = document.getElementById('saved').textContent; return t.length ? t : null")
        check(saved.startswith("saved me/cities@"), f"Save commits: {saved}")
        log = subprocess.run([quarry, "--repo", repo, "--json", "log", "me/cities"],
                             capture_output=True, text=True, env=env, check=True)
        check(len(json.loads(log.stdout)) == 1, "quarry log shows the saved version")
    finally:
        if browser:
            try:
                browser.quit()
            except Exception:
                pass
        driver.kill()
        nb.kill()
    print("browser test passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAILED:", e, file=sys.stderr)
        sys.exit(1)
