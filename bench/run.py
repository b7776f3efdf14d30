"""The Flea Market benchmark (issue 6): the app against a bare Flask reference, under wrk.

One command from a clean clone (after `pip install -r requirements.txt` in .venv and
`apt-get install wrk`):

    bench/run            # full run, ~15 min: SQLite at 1,000 and 100,000 listings,
                         # PostgreSQL at 100,000 (when reachable), photo and demo-data timings
    bench/run --quick    # smaller and shorter (1,000 / 20,000 listings, 2 s rounds)

Everything scratch goes to bench/out/ (git-ignored); the table goes to stdout and
bench/RESULTS.md. See bench/README.md for what is measured and how to read it.
"""

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
BIN = VENV_BIN if os.path.isdir(VENV_BIN) else os.path.dirname(sys.executable)
PY = os.path.join(BIN, "python") if os.path.exists(os.path.join(BIN, "python")) else sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "flea_bench"
APP = ROOT  # the app's sources under test; a frozen copy once snapshot_source() ran
SECRET = "bench-secret-key-not-for-production"

# Targets (ratios to the reference, 100,000 listings): issue 17's, on SQLite and PostgreSQL.
TARGETS = {
    "showcase": 5.0,
    "deep": 4.0,
    "item": 2.0,
    "home": 2.0,
    "search": 5.0,  # issue 6's
    # Mostly uncached pages (a page cache can't help much).
    "item_many": 1.0,
    "search_many": 10.0,
}
NOT_FOUND_VS_HELLO = 3.0  # the anonymous 404 through the layout, in-process (bench/floor.py)
RSS_LIMIT_MB = 150.0  # a worker's resident memory after the benchmark's mix
SOAK_MINUTES = 10.0  # issue 17: memory after 10 minutes of the mix (SQLite 100,000)
GROWTH_LIMIT = 1.3
ADMIN_VS_SHOWCASE = 3.0
PHOTO_LIMIT = 1.5
DEMO_LIMIT_S = 60.0

LOG = []
NOTES = []
LOADS = []  # 1-minute load average seen at each stage: other work on the machine skews absolute figures


def say(*parts):
    line = " ".join(str(p) for p in parts)
    print(line, flush=True)
    LOG.append(line)


# ---------------------------------------------------------------- processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn serving `target` from `cwd`, on loopback, started and stopped by us."""

    def __init__(self, name, cwd, target, env, workers):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = open(os.path.join(OUT, f"gunicorn-{name}.log"), "ab")
        cmd = [os.path.join(BIN, "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}"]
        cmd += ["--timeout", "60", "--log-level", "warning", target]
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name}: gunicorn exited, see bench/out/gunicorn-{name}.log")
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{name}: gunicorn did not answer within 60 s")

    def worker_rss_mb(self):
        """The resident memory of each of the master's workers, in MB."""
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(kb) / 1024 for kb in out.stdout.split()]

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def snapshot_source():
    """Copy the app's sources (tracked and new files, as git sees them) to bench/out/app-src.

    The run then serves that frozen copy, so edits made in the checkout while the
    benchmark runs cannot change the code under test half-way. Returns the folder
    and a description of the revision.
    """
    global APP
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!bench"], cwd=ROOT, capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "working tree (not a git checkout)"
    dest = os.path.join(OUT, "app-src")
    shutil.rmtree(dest, ignore_errors=True)
    for rel in filter(None, listed.split("\0")):
        if rel.startswith(("bench/", "tests/", ".ci/")) or not os.path.isfile(os.path.join(ROOT, rel)):
            continue
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(dest, rel))
    APP = dest
    return f"commit {head.stdout.strip()}" + (" plus uncommitted changes" if dirty.stdout.strip() else "")


def app_env(db_url, folder):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        UPLOAD_DIR=os.path.join(folder, "uploads"),
        INSTANCE_PATH=os.path.join(folder, "instance"),
        SECRET_KEY=SECRET,
        FLASK_APP="app",
        PYTHONPATH=APP,
    )
    env.pop("FLASK_DEBUG", None)
    return env


def run(cmd, env, cwd=None):
    started = time.monotonic()
    res = subprocess.run(cmd, cwd=cwd or APP, env=env, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
    return res.stdout, time.monotonic() - started


def load_database(db_url, folder, listings):
    """Fresh schema + `demo-data --listings N`; returns (prepared info, demo-data seconds)."""
    env = app_env(db_url, folder)
    flask = os.path.join(BIN, "flask")
    run([flask, "--app", "app", "init-db"], env)
    out, wall = run([flask, "--app", "app", "demo-data", "--listings", str(listings), "--seed", "1"], env)
    m = re.search(r"Added \d+ listings in ([\d.]+) s", out)
    info = json.loads(run([PY, os.path.join(BENCH, "prepare.py")], env)[0])
    info["demo_seconds"] = float(m.group(1)) if m else None
    info["demo_wall"] = wall
    return info, env


def fresh_sqlite(listings):
    folder = os.path.join(OUT, f"sqlite-{listings}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return f"sqlite:///{os.path.join(folder, 'flea.db')}", folder


def pg_reachable():
    try:
        import psycopg2

        psycopg2.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def pg_recreate(drop_only=False):
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        if not drop_only:
            cur.execute(f"CREATE DATABASE {PG_DB}")
    conn.close()


# ---------------------------------------------------------------- HTTP helpers


CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_RE = re.compile(r'value="([^"]+)"')


def csrf_from(html):
    tag = CSRF_RE.search(html)
    if not tag:
        raise SystemExit("no csrf_token on the page")
    return VALUE_RE.search(tag.group(0)).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base, identity, password):
    """Log in through the form; returns (opener, Cookie header value)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = csrf_from(opener.open(base + "/login").read().decode())
    data = urllib.parse.urlencode({"email": identity, "password": password, "csrf_token": token}).encode()
    opener.open(base + "/login", data).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return opener, cookie


def status_of(base, path, cookie=None, data=None, headers=None):
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(base + path, data=data, headers=dict(headers or {}))
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def multipart(fields):
    boundary = "----fleabench7d3a"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- wrk

LUA_DONE = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50":%d,"p99":%d,"status":%d,"connect":%d,"read":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout))
end
"""


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n") + '"'


class Scenario:
    """One page to load: a fixed path, or random item ids, or the put-up POST."""

    def __init__(self, key, label, path=None, ids=None, cookie=None, post=None, paths=None):
        self.key, self.label, self.path, self.ids, self.cookie, self.post = key, label, path, ids, cookie, post
        # A list of paths walked in order, round and round (each connection from its own start).
        self.paths = paths

    def script(self):
        lines = []
        if self.cookie:
            lines.append(f'wrk.headers["Cookie"] = {lua_string(self.cookie)}')
        if self.post:
            body, ctype = self.post
            lines += ['wrk.method = "POST"', f"wrk.body = {lua_string(body)}"]
            lines.append(f'wrk.headers["Content-Type"] = {lua_string(ctype)}')
            lines.append(f"wrk.path = {lua_string(self.path)}")
        if self.ids:
            lines.append("local ids = {" + ",".join(str(i) for i in self.ids) + "}")
            lines.append("init = function(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end")
            lines.append('request = function() return wrk.format(nil, "/pristroy/" .. ids[math.random(#ids)]) end')
        if self.paths:
            lines.append("local paths = {" + ",".join(lua_string(p) for p in self.paths) + "}")
            lines.append("local at = 0")
            lines.append("init = function(args) math.randomseed(os.time()); at = math.random(#paths) end")
            lines.append("request = function() at = at % #paths + 1; return wrk.format(nil, paths[at]) end")
        path = os.path.join(OUT, f"wrk-{self.key}.lua")
        with open(path, "w") as fh:
            fh.write("\n".join(lines) + "\n" + LUA_DONE)
        return path

    def url(self, base):
        return base + (self.path if self.path and not self.ids and not self.paths else "/")


def wrk(base, scenario, seconds, connections):
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    cmd += ["-s", scenario.script(), scenario.url(base)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"BENCHJSON (\{.*\})", res.stdout)
    if not m:
        raise SystemExit(f"wrk failed: {res.stdout}\n{res.stderr}")
    d = json.loads(m.group(1))
    errors = d["status"] + d["connect"] + d["read"] + d["timeout"]
    return {
        "rps": d["requests"] / (d["duration_us"] / 1e6),
        "p50": d["p50"] / 1000.0,
        "p99": d["p99"] / 1000.0,
        "errors": errors,
    }


def merge(rounds):
    return {
        "rps": statistics.mean(r["rps"] for r in rounds),
        "p50": statistics.median(r["p50"] for r in rounds),
        "p99": statistics.median(r["p99"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "rounds": len(rounds),
    }


def measure(servers, scenarios, opts, connections):
    """Alternate servers round by round (ref, app, ref, app…) for each scenario."""
    results = {}
    for sc in scenarios:
        targets = [(name, base) for name, base in servers if name in sc.servers]
        for _name, base in targets:  # warm-up, not recorded
            wrk(base, sc, 1, connections)
        rounds = {name: [] for name, _ in targets}
        for _ in range(opts.rounds):
            for name, base in targets:
                rounds[name].append(wrk(base, sc, opts.seconds, connections))
        for name, _ in targets:
            results[(sc.key, name)] = merge(rounds[name])
        say(
            f"  {sc.label:<28}"
            + "  ".join(
                f"{name}: {results[(sc.key, name)]['rps']:7.1f} req/s p50 {results[(sc.key, name)]['p50']:7.1f} ms"
                for name, _ in targets
            )
        )
    return results


# ---------------------------------------------------------------- one database


def scenarios_for(info, listings, app_url, post_too=True):
    """The pages of issue 6, checked once by hand before the load starts."""
    approved = info["approved"]
    # ?page=2000 at 100,000 listings; the same relative depth on other sizes.
    deep = max(2, round(2000 * listings / 100_000))
    deep = min(deep, max(2, approved // 24))
    word = info["search_word"]
    both = ("ref", "app")
    out = [
        Scenario("showcase", "showcase page 1", "/pristroy/"),
        Scenario("deep", f"deep page (?page={deep})", f"/pristroy/?page={deep}"),
        Scenario("item", f"item pages ({len(info['item_ids'])} ids, warm)", "/", ids=info["item_ids"]),
        Scenario("search", f"search ?q={word}", f"/pristroy/?q={word}"),
        Scenario("home", "home page", "/"),
    ]
    # Uncached: every id of a fresh random sample once per lap, in a fresh order each run.
    many = list(info.get("many_item_ids") or info["item_ids"])
    random.shuffle(many)
    out.append(Scenario("item_many", f"item pages ({len(many):,} random ids)", paths=[f"/pristroy/{i}" for i in many]))
    queries = info.get("search_queries") or [word]
    out.append(
        Scenario(
            "search_many",
            f"search ({len(queries)} different queries)",
            paths=["/pristroy/?q=" + urllib.parse.quote_plus(q) for q in queries],
        )
    )
    for sc in out:
        sc.servers = both
    hello = Scenario("hello", "hello world (reference)", "/hello")
    hello.servers = ("ref",)
    out.append(hello)
    _, admin_cookie = login(app_url, "admin@example.com", "admin12345")
    admin = Scenario("admin", "admin Pristroy list", "/admin/pristroy/", cookie=admin_cookie)
    admin.servers = ("app",)
    out.append(admin)
    if post_too:
        opener, cookie = login(app_url, info["login"], info["password"])
        token = csrf_from(opener.open(app_url + "/account/orders/completed").read().decode())
        fields = {
            "csrf_token": token,
            "name": "Benchmark parka",
            "description": "Worn twice. Pick-up in Kazan.",
            "price": "1490.00",
            "quantity": "1",
        }
        post = Scenario(
            "post",
            "put-up POST",
            f"/account/orders/lines/{info['line_id']}/sell",
            cookie=cookie,
            post=multipart(fields),
        )
        post.servers = ("app",)
        out.append(post)
    return out, deep


def check(scenarios, ref_url, app_url, info):
    """Every page must answer as a visitor expects before it is loaded (wrk only counts >= 400).

    A page that fails is left out of the load for that server and reported, so one
    page under construction does not stop the run.
    """
    for sc in scenarios:
        path = sc.paths[0] if sc.paths else f"/pristroy/{info['item_ids'][0]}" if sc.ids else sc.path
        for name, base in (("ref", ref_url), ("app", app_url)):
            if name not in sc.servers:
                continue
            data, headers = None, {}
            if sc.post:
                data = sc.post[0].encode()
                headers["Content-Type"] = sc.post[1]
            code, body = status_of(base, path, sc.cookie, data, headers)
            problem = None
            if (code not in (302, 303)) if sc.post else code != 200:
                problem = f"HTTP {code} (expected {'a redirect' if sc.post else 200})"
            elif sc.key == "admin" and "Pristroy" not in body:
                problem = "not the Pristroy view (login failed?)"
            elif sc.key == "search" and info["search_word"].lower() not in body.lower():
                problem = f"no listing with {info['search_word']!r} on the page (search ignored?)"
            if problem:
                NOTES.append(f"{name} {path} ({info['listings']:,} listings): {problem}")
                say("  WARNING:", NOTES[-1])
                if code >= 400 or (sc.post and code not in (302, 303)):
                    sc.servers = tuple(s for s in sc.servers if s != name)


def soak(base, scenarios, minutes_so_far, minutes, connections):
    """Load the app with every public page of the run, mixed, until `minutes` of load in all."""
    paths = []
    for sc in scenarios:
        if "app" not in sc.servers or sc.cookie or sc.post:
            continue
        if sc.paths:
            paths += sc.paths
        elif sc.ids:
            paths += [f"/pristroy/{i}" for i in sc.ids]
        elif sc.path:
            paths += [sc.path] * 50
    random.shuffle(paths)
    seconds = int((minutes - minutes_so_far) * 60)
    if seconds <= 0:
        return None
    say(f"  soak: {len(paths):,} public paths, mixed, for {seconds / 60:.1f} more min")
    return wrk(base, Scenario("soak", "soak", paths=paths), seconds, connections)


def admin_in_process(env):
    """Admin list against the showcase rendered anew (PAGE_CACHE=0), in-process: bench/admin_speed.py."""
    cmd = [PY, os.path.join(BENCH, "admin_speed.py"), "--requests", "40", "--json"]
    out, _ = run(cmd, dict(env, PAGE_CACHE="0", FLOOR_APP=APP))
    return json.loads(out.strip().splitlines()[-1])


def bench_database(label, db_url, folder, listings, opts, workers=2, extra=None, soak_minutes=0):
    say(f"\n== {label}: {listings:,} listings == (load average {os.getloadavg()[0]:.1f})")
    LOADS.append(os.getloadavg()[0])
    info, env = load_database(db_url, folder, listings)
    say(
        f"  demo-data --listings {listings}: {info['demo_seconds']} s (command wall {info['demo_wall']:.1f} s); "
        f"{info['approved']:,} approved; search word {info['search_word']!r} in {info['search_share']:.2%}"
    )
    ref_env = dict(env, REF_DATABASE_URL=db_url)
    ref_dir = os.path.join(BENCH, "reference")
    with (
        Server(f"{label}-ref", ref_dir, "app:create_app()", ref_env, workers) as ref,
        Server(f"{label}-app", APP, "app:create_app()", env, workers) as app,
    ):
        scenarios, deep = scenarios_for(info, listings, app.url)
        check(scenarios, ref.url, app.url, info)
        loaded = time.monotonic()
        results = measure([("ref", ref.url), ("app", app.url)], scenarios, opts, 2 * workers)
        if soak_minutes:
            soaked = soak(app.url, scenarios, (time.monotonic() - loaded) / 60, soak_minutes, 2 * workers)
            if soaked:
                say(f"  soak: {soaked['rps']:.1f} req/s, p50 {soaked['p50']:.1f} ms, {soaked['errors']} errors")
        rss = {"mb": app.worker_rss_mb(), "minutes": (time.monotonic() - loaded) / 60}
        say(
            f"  app workers' resident memory after {rss['minutes']:.1f} min of load: "
            + ", ".join(f"{m:.0f} MB" for m in rss["mb"])
        )
    LOADS.append(os.getloadavg()[0])
    floor = None
    if not opts.quick:
        out, _ = run([PY, os.path.join(BENCH, "floor.py"), "--json"], dict(env, FLOOR_APP=APP))
        floor = json.loads(out.strip().splitlines()[-1])
        say("  in-process floor: " + ", ".join(f"{k} {v:.2f} ms" for k, v in floor.items()))
    admin_vs_render = None
    if not opts.quick:
        admin_vs_render = admin_in_process(env)
        say("  in-process, showcase not cached: " + ", ".join(f"{k} {v:.2f} ms" for k, v in admin_vs_render.items()))
    if extra:
        results.update(extra(env, info, opts))
    return {
        "info": info,
        "results": results,
        "deep": deep,
        "listings": listings,
        "scenarios": scenarios,
        "rss": rss,
        "floor": floor,
        "admin_vs_render": admin_vs_render,
    }


def pg_scaling(env, info, opts):
    """The app alone on PostgreSQL with 1, 2 and 4 workers, same wrk load (8 connections)."""
    say("  scaling (app on PostgreSQL, 8 connections):")
    pages = [Scenario("showcase", "showcase page 1", "/pristroy/"), Scenario("item", "item", "/", ids=info["item_ids"])]
    out = {}
    for workers in (1, 2, 4):
        with Server(f"pg-app-w{workers}", APP, "app:create_app()", env, workers) as app:
            for sc in pages:
                wrk(app.url, sc, 1, 8)
                r = merge([wrk(app.url, sc, opts.seconds, 8) for _ in range(opts.rounds)])
                out[(f"scale-{sc.key}", f"w{workers}")] = r
                say(f"    {workers} worker(s) {sc.label:<16} {r['rps']:7.1f} req/s p50 {r['p50']:7.1f} ms")
    return out


# ---------------------------------------------------------------- photo


def photo_bench():
    say("\n== photo pipeline: 12-megapixel JPEG ==")
    out, _ = run([PY, os.path.join(BENCH, "photo_bench.py")], dict(os.environ, PYTHONPATH=APP))
    d = json.loads(out.strip().splitlines()[-1])
    say(
        f"  process_image {d['pipeline_ms']:.0f} ms, Pillow draft decode+resize {d['pillow_ms']:.0f} ms, "
        f"ratio {d['ratio']:.2f}x (file {d['bytes'] / 1e6:.1f} MB, {d['size']})"
    )
    return d


# ---------------------------------------------------------------- report


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}×"


def verdict(ok):
    return "met" if ok else "**missed**"


def table(run_, title):
    res = run_["results"]
    lines = [
        f"### {title}",
        "",
        "| page | ref req/s | ref p50 ms | ref p99 ms | app req/s | app p50 ms | app p99 ms | ratio (req/s app/ref) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in run_["scenarios"]:
        r, a = res.get((sc.key, "ref")), res.get((sc.key, "app"))
        cells = [sc.label]
        for x in (r, a):
            cells += [f"{x['rps']:.1f}", f"{x['p50']:.1f}", f"{x['p99']:.1f}"] if x else ["", "", ""]
        cells.append(fmt_ratio(a["rps"] / r["rps"]) if r and a else "—")
        lines.append("| " + " | ".join(cells) + " |")
    errors = sum(v["errors"] for v in res.values())
    lines += ["", f"HTTP/socket errors during the load: {errors}."]
    return lines


def targets(run_, title):
    """The target rows of one database's large run: ratios, the admin list, the floor, memory."""
    res = run_["results"]
    lines = [f"### Targets ({title})", "", "| target | figure | goal | verdict |", "|---|---:|---:|---|"]
    for key, goal in TARGETS.items():
        a, r = res.get((key, "app")), res.get((key, "ref"))
        if not (a and r):
            lines.append(f"| {key}: app/reference req/s | not measured (page failed) | ≥ {goal}× | **missed** |")
            continue
        ratio = a["rps"] / r["rps"]
        lines.append(f"| {key}: app/reference req/s | {ratio:.2f}× | ≥ {goal}× | {verdict(ratio >= goal)} |")
    adm_r, show_r = res.get(("admin", "app")), res.get(("showcase", "app"))
    adm = adm_r["p50"] / show_r["p50"] if adm_r and show_r else None
    lines.append(
        f"| admin list p50 / showcase p50 | {fmt_ratio(adm)} | ≤ {ADMIN_VS_SHOWCASE}× | "
        f"{verdict(adm is not None and adm <= ADMIN_VS_SHOWCASE)} |"
    )
    rendered = run_.get("admin_vs_render")
    if rendered:
        x = rendered["admin"] / rendered["showcase"]
        lines.append(
            f"| (admin list p50 / showcase p50 rendered anew, in-process) | {x:.2f}× "
            f"({rendered['admin']:.1f} / {rendered['showcase']:.1f} ms) | ≤ {ADMIN_VS_SHOWCASE}× | "
            f"{verdict(x <= ADMIN_VS_SHOWCASE)} |"
        )
    floor = run_.get("floor")
    if floor:
        hello, not_found = floor.get("hello world (Flask)"), floor.get("anonymous 404 through the layout")
        if hello and not_found:
            x = not_found / hello
            lines.append(
                f"| anonymous 404 / Flask hello world, in-process p50 | {x:.2f}× ({not_found:.2f} / {hello:.2f} ms) "
                f"| ≤ {NOT_FOUND_VS_HELLO}× | {verdict(x <= NOT_FOUND_VS_HELLO)} |"
            )
    rss = run_.get("rss")
    if rss and rss["mb"]:
        top = max(rss["mb"])
        lines.append(
            f"| worker resident memory after {rss['minutes']:.0f} min of the mix (largest of {len(rss['mb'])}) "
            f"| {top:.0f} MB | < {RSS_LIMIT_MB:.0f} MB | {verdict(top < RSS_LIMIT_MB)} |"
        )
    return lines


def report(runs, photo, opts, started):
    main_size = max(k for k in runs if isinstance(k, int))
    small = min(k for k in runs if isinstance(k, int))
    big = runs[main_size]
    lines = [
        "# Benchmark results",
        "",
        f"Last run: {started:%Y-%m-%d %H:%M} UTC, `bench/run{' --quick' if opts.quick else ''}`, "
        f"{opts.revision}, {os.cpu_count()} cores, Python {platform.python_version()}, wrk -t1 -c4 (2 workers), "
        f"{opts.rounds}×{opts.seconds} s per server and page, alternating reference/app.",
        "",
    ]
    for key in sorted(k for k in runs if isinstance(k, int)):
        lines += table(runs[key], f"SQLite, {key:,} listings, 2 gunicorn workers") + [""]
    if "pg" in runs:
        lines += table(runs["pg"], f"PostgreSQL, {runs['pg']['listings']:,} listings, 2 gunicorn workers") + [""]
        res = runs["pg"]["results"]
        lines += [
            "### PostgreSQL scaling (app only, wrk -c8)",
            "",
            "| page | 1 worker req/s | 2 workers req/s | 4 workers req/s | 4 workers p50 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for key in ("showcase", "item"):
            rows = [res.get((f"scale-{key}", f"w{w}")) for w in (1, 2, 4)]
            if all(rows):
                lines.append(
                    f"| {key} | {rows[0]['rps']:.1f} | {rows[1]['rps']:.1f} | {rows[2]['rps']:.1f} | "
                    f"{rows[2]['p50']:.1f} |"
                )
        lines.append("")

    # Targets, on each database at the large size.
    res, sres = big["results"], runs[small]["results"]
    lines += targets(big, f"SQLite, {main_size:,} listings")
    for key in TARGETS:
        for who in ("app", "ref"):
            big_r, small_r = res.get((key, who)), sres.get((key, who))
            g = big_r["p50"] / small_r["p50"] if big_r and small_r else None
            if who == "app":
                lines.append(
                    f"| growth {key}: p50 {main_size:,} / {small:,} | {fmt_ratio(g)} | ≤ {GROWTH_LIMIT}× | "
                    f"{verdict(g is not None and g <= GROWTH_LIMIT)} |"
                )
            else:
                lines.append(f"| (reference growth {key}) | {fmt_ratio(g)} | | |")
    if photo:
        lines.append(
            f"| 12 MP JPEG: process_image / Pillow draft+resize | {photo['ratio']:.2f}× "
            f"({photo['pipeline_ms']:.0f} / {photo['pillow_ms']:.0f} ms) | ≤ {PHOTO_LIMIT}× | "
            f"{verdict(photo['ratio'] <= PHOTO_LIMIT)} |"
        )
    demo = big["info"]["demo_seconds"]
    lines.append(
        f"| demo-data --listings {main_size:,} (SQLite) | {demo:.1f} s | < {DEMO_LIMIT_S:.0f} s | "
        f"{verdict(demo < DEMO_LIMIT_S)} |"
    )
    if "pg" in runs:
        pg_demo = runs["pg"]["info"]["demo_seconds"]
        lines.append(
            f"| demo-data --listings {runs['pg']['listings']:,} (PostgreSQL) | {pg_demo:.1f} s | "
            f"< {DEMO_LIMIT_S:.0f} s | {verdict(pg_demo < DEMO_LIMIT_S)} |"
        )
        lines += [""] + targets(runs["pg"], f"PostgreSQL, {runs['pg']['listings']:,} listings")
    lines += [
        "",
        f"Deep page: `?page={big['deep']}` at {main_size:,} listings, the same relative depth "
        f"(`?page={runs[small]['deep']}`) at {small:,}. Search word: `{big['info']['search_word']}` "
        f"({big['info']['search_share']:.2%} of listings). Reference hello world: "
        f"{res[('hello', 'ref')]['rps']:.0f} req/s.",
    ]
    lines += [f"\n**Warning:** {note}" for note in NOTES]
    if opts.quick:
        lines.insert(2, "**Quick run: smaller catalog and shorter rounds; not the figures of record.**\n")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 / 20,000 listings, 1 round of 2 s")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL even when reachable")
    parser.add_argument("--no-results", action="store_true", help="do not overwrite bench/RESULTS.md")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    opts.sizes = (1000, 20_000) if opts.quick else (1000, 100_000)
    opts.seconds, opts.rounds = (2, 1) if opts.quick else (5, 2)
    os.makedirs(OUT, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    opts.revision = snapshot_source()
    say(f"Code under test: {opts.revision}, copied to bench/out/app-src")
    runs = {}
    for n in opts.sizes:
        url, folder = fresh_sqlite(n)
        soak_minutes = SOAK_MINUTES if n == 100_000 else 0
        runs[n] = bench_database(f"sqlite-{n}", url, folder, n, opts, soak_minutes=soak_minutes)
    if not opts.no_pg and pg_reachable():
        pg_recreate()
        try:
            folder = os.path.join(OUT, "pg")
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            url = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
            runs["pg"] = bench_database("pg", url, folder, opts.sizes[-1], opts, extra=pg_scaling)
        finally:
            pg_recreate(drop_only=True)
    else:
        say("\n(PostgreSQL skipped)")
    photo = photo_bench()
    lines = report(runs, photo, opts, started)
    lines.append(f"\nWhole run: {(time.monotonic() - t0) / 60:.1f} min.")
    lines.append(
        f"1-minute load average during the run: {min(LOADS):.1f} to {max(LOADS):.1f} on {os.cpu_count()} cores "
        "(above the core count, other work shared the CPU: absolute req/s are low, ratios still hold "
        "because reference and app alternate)."
    )
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    with open(os.path.join(OUT, "last-run.md"), "w") as fh:
        fh.write(text + "\n## Log\n\n```\n" + "\n".join(LOG) + "\n```\n")
    if not opts.no_results:
        with open(os.path.join(BENCH, "RESULTS.md"), "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
