"""Lighthouse runs of the storefront pages (issue 18, part 1), shared by the test and the table.

`python -m tests.storefront.scores [--presets mobile,desktop]` starts the app as shipped
(`python app.py` on a scratch SQLite database with the demo data and 60 synthetic listings),
runs Lighthouse on every page below and prints a Markdown table page x preset x category with
the failing audits underneath: paste it into docs/storefront-scores.md as a new column.
"""

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# page name -> (path, who is logged in, public?)
PAGES = {
    "home": ("/", None, True),
    "showcase": ("/pristroy/", None, True),
    "search": ("/pristroy/?q=coat", None, True),
    "item": (None, None, True),  # the first approved listing, found at start
    "login": ("/login", None, True),
    "completed": ("/account/orders/completed", "alice", False),
    "my-items": ("/account/pristroy/", "alice", False),
    "admin-list": ("/admin/pristroy/", "admin", False),
}
PASSWORDS = {"alice": "alice12345", "admin": "admin12345"}
# Pages that say noindex on purpose: they may lose only this SEO audit.
NOINDEX_ALLOWED = {"is-crawlable"}


def missing_tools():
    """Why Lighthouse cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not LIGHTHOUSE.exists():
        return f"{LIGHTHOUSE} is missing (npm ci)"
    if not Path(CHROME).exists():
        return f"{CHROME} is missing"
    return None


class App:
    """`python app.py` on a free port with a fresh database; stop() ends its process group."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="lighthouse-app-"))
        self.env = dict(os.environ)
        self.env.update(
            HOST="127.0.0.1",
            PORT="0",
            DATABASE_URL=f"sqlite:///{self.dir / 'app.db'}",
            UPLOAD_DIR=str(self.dir / "uploads"),
            INSTANCE_PATH=str(self.dir / "instance"),
            SECRET_KEY=secrets.token_hex(32),
            PYTHONUNBUFFERED="1",
        )
        for key in ("MAIL_SERVER", "REDIS_URL", "FLASK_DEBUG"):
            self.env.pop(key, None)
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        for args in (["init-db"], ["demo-data", "--listings", "60"]):
            subprocess.run(flask + args, cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=120)
        self.log = self.dir / "server.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py")],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        self.url = None
        while self.url is None:
            found = re.search(rb"Running on http://127\.0\.0\.1:(\d+)", self.log.read_bytes())
            if found:
                self.url = f"http://127.0.0.1:{int(found.group(1))}"
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the app did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)
        time.sleep(0.5)

    def stop(self):
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)

    def cookie_header(self, who):
        """The Cookie header of a browser logged in as `who` (through the login form)."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(self.url + "/login").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"email": who, "password": PASSWORDS[who], "csrf_token": token}).encode()
        opener.open(self.url + "/login", data=data).read()
        return "; ".join(f"{c.name}={c.value}" for c in jar)

    def warm(self, path, cookie=None):
        """One request first, as a running shop has had: Lighthouse measures a warm server,
        not the compiling of a page's templates on their first use."""
        request = urllib.request.Request(self.url + path, headers={"Cookie": cookie} if cookie else {})
        urllib.request.urlopen(request).read()

    def first_item(self):
        page = urllib.request.urlopen(self.url + "/pristroy/").read().decode()
        return re.search(r'href="(/pristroy/\d+)"', page).group(1)


def lighthouse(url, preset, cookie=None):
    """{category: score 0-100} and [(audit id, title, score)] of the audits that failed."""
    out = Path(tempfile.mkdtemp(prefix="lh-")) / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = dict(os.environ, CHROME_PATH=CHROME)
    subprocess.run(command, env=env, capture_output=True, timeout=240, check=True)
    report = json.loads(out.read_text())
    shutil.rmtree(out.parent, ignore_errors=True)
    scores = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    failing = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failing.append((category, ref["id"], audit["title"], audit["score"]))
    return scores, failing


def run_all(presets=("mobile", "desktop"), pages=None):
    """{(page, preset): (scores, failing)} for every page, sequentially, on one server."""
    app = App()
    results = {}
    try:
        cookies = {who: app.cookie_header(who) for who in PASSWORDS}
        for name, (path, who, _public) in PAGES.items():
            if pages and name not in pages:
                continue
            path = path or app.first_item()
            app.warm(path, cookies.get(who))
            for preset in presets:
                results[(name, preset)] = lighthouse(app.url + path, preset, cookies.get(who))
    finally:
        app.stop()
    return results


def table(results, label):
    lines = [
        f"| page | preset | Performance | Accessibility | Best Practices | SEO |  ({label})",
        "|---|---|---|---|---|---|",
    ]
    for (name, preset), (scores, _failing) in results.items():
        lines.append(f"| {name} | {preset} | " + " | ".join(str(scores[c]) for c in CATEGORIES) + " |")
    lines.append("")
    for (name, preset), (_scores, failing) in results.items():
        if failing:
            lines.append(
                f"- **{name} / {preset}**: "
                + "; ".join(f"`{audit}` ({category}, {score:.2f})" for category, audit, _title, score in failing)
            )
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse
    import datetime as dt

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presets", default="mobile,desktop")
    parser.add_argument("--pages", default="")
    args = parser.parse_args()
    problem = missing_tools()
    if problem:
        sys.exit(problem)
    started = time.monotonic()
    found = run_all(tuple(args.presets.split(",")), [p for p in args.pages.split(",") if p] or None)
    print(table(found, dt.date.today().isoformat()))
    print(f"\n{len(found)} Lighthouse runs in {time.monotonic() - started:.0f} s")
