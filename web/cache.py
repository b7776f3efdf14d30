"""One copy of each anonymous page for every visitor: the page cache, ETags and Cache-Control.

A GET of a public page (`CACHEABLE`) by a visitor with no session and no remember
cookie is looked up by path, query string, language, the catalog version
(`models.catalog_version`: bumped in the same transaction as every change visitors
can see) and the deploy (`build_id`: the templates, catalogs and static files). So
a page cached before a change is never served after it: the change moved the
version, and the next request asks for a key nobody has filled yet.

Stored only when the answer is a 200 that sets no cookie and left the (empty)
session untouched; stored with its gzip form, compressed once. Redis when
`REDIS_URL` is set (every worker and server shares it), else a per-worker LRU
bounded in entries and bytes. A Redis that does not answer costs nothing but the
cache: the page is rendered as if nothing were cached, and Redis is left alone for
a few seconds.

Every cacheable page gets an `ETag` (304 to a matching `If-None-Match`),
`Cache-Control: public, no-cache` (browsers revalidate, so never see an old page) and
`CDN-Cache-Control: public, max-age=PAGE_MAX_AGE, stale-while-revalidate=...` for a
shared cache in front; any answer to a visitor with a session gets `private, no-store`
unless it chose its own.
"""

import hashlib
import json
import logging
import os
import struct
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session

from . import compress, i18n

log = logging.getLogger("flea_market")

# What a visitor without a session sees the same as every other such visitor.
CACHEABLE = frozenset(
    {
        "showcase.home",
        "showcase.index",
        "showcase.item",
        "showcase.product",
        "feeds.robots",
        "feeds.sitemap",
        "feeds.sitemap_chunk",
        "feeds.feed",
        "api_v1.listings",
        "api_v1.listing",
        "api-docs.openapi_json",
    }
)
# Headers of a view's answer that belong to the page (the rest is per request: the
# request id, the security headers, the caching headers set below).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Link", "X-Robots-Tag")
VARY = ("Accept-Language", "Accept-Encoding", "Cookie")
REDIS_RETRY_AFTER = 5.0
MAX_KEY = 300


class Entry:
    """A cached page: its status, page headers, body, gzip body and ETag."""

    __slots__ = ("status", "headers", "body", "gzipped", "etag")

    def __init__(self, status, headers, body, gzipped=None, etag=None):
        self.status, self.headers, self.body = status, headers, body
        self.gzipped = gzipped if gzipped is not None else _gzip(body)
        self.etag = etag or hashlib.blake2b(body, digest_size=12).hexdigest()

    @property
    def size(self):
        return len(self.body) + len(self.gzipped or b"") + 200

    def dumps(self):
        meta = json.dumps([self.status, self.headers, self.etag]).encode()
        gz = self.gzipped or b""
        return struct.pack("!III", len(meta), len(self.body), len(gz)) + meta + self.body + gz

    @classmethod
    def loads(cls, data):
        meta_len, body_len, gz_len = struct.unpack_from("!III", data)
        at = struct.calcsize("!III")
        status, headers, etag = json.loads(data[at : at + meta_len])
        at += meta_len
        body = data[at : at + body_len]
        gz = data[at + body_len : at + body_len + gz_len] or None
        return cls(status, [tuple(h) for h in headers], body, gz or b"", etag)


def _gzip(body):
    # Once per entry, so a little harder than per response; small pages go out plain.
    return compress.gzip_bytes(body, 6) or b""


class MemoryStore:
    """A least-recently-used cache of one worker, bounded in entries and in bytes."""

    def __init__(self, max_entries, max_bytes):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def set(self, key, entry, ttl):
        size = entry.size
        if size > self.max_bytes:
            return False
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.entries[key] = entry
            self.bytes += size
            while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
                _key, evicted = self.entries.popitem(last=False)
                self.bytes -= evicted.size
        return True


class RedisStore:
    """Entries in Redis, shared by every worker; any Redis error is a miss, never an error page."""

    def __init__(self, url):
        import redis

        self.errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.down_until = 0.0

    def _call(self, method, *args):
        if time.monotonic() < self.down_until:
            return None
        try:
            return getattr(self.client, method)(*args) or None
        except self.errors as exc:
            self.down_until = time.monotonic() + REDIS_RETRY_AFTER
            log.warning("Page cache: Redis unreachable, pages are rendered uncached for a while: %s", exc)
            return None

    def get(self, key):
        data = self._call("get", key)
        return Entry.loads(data) if data else None

    def set(self, key, entry, ttl):
        return bool(self._call("set", key, entry.dumps(), ttl))


def build_id(app):
    """What a deploy's pages are made of: a page cached by another version of the app is not ours."""
    digest = hashlib.blake2b(digest_size=8)
    root = app.root_path
    for folder in ("templates", "web/translations", app.static_folder or "static"):
        base = os.path.join(root, folder)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                stat = os.stat(path)
                digest.update(f"{os.path.relpath(path, root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def has_session():
    cookies = request.cookies
    config = current_app.config
    return config["SESSION_COOKIE_NAME"] in cookies or config["REMEMBER_COOKIE_NAME"] in cookies


def _cacheable_request():
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHEABLE
        and "Authorization" not in request.headers
        and not has_session()
    )


def _key(version):
    raw = f"{request.path}?{request.query_string.decode('latin-1')}"
    if len(raw) > MAX_KEY:
        raw = hashlib.sha256(raw.encode("latin-1", "replace")).hexdigest()
    state = current_app.extensions["page_cache"]
    return f"page:{state['build']}:{version}:{i18n.anonymous_language()}:{raw}"


def _before():
    # PAGE_CACHE is read per request too, so a test can look at how pages are made.
    if not current_app.config["PAGE_CACHE"] or not _cacheable_request():
        return None
    from models import catalog_version

    g.page_cacheable = True
    version = catalog_version.for_request()
    store = current_app.extensions["page_cache"]["store"]
    if version is None or store is None:
        return None
    g.page_cache_key = _key(version)
    entry = store.get(g.page_cache_key)
    if entry is None:
        return None
    g.page_cache_hit = True
    return _answer(entry, "hit")


def _answer(entry, how):
    """The response for `entry`: gzip when the client takes it, 304 when it has this copy.

    `X-Cache` says whether it came from the cache (`hit`), was just stored (`miss`) or
    could not be (`off`: no store, or Redis not answering)."""
    zipped = bool(entry.gzipped) and compress.accepts_gzip()
    etag = entry.etag + ("-gz" if zipped else "")
    response = current_app.response_class(status=entry.status, headers=entry.headers)
    response.set_etag(etag)
    response.headers["X-Cache"] = how
    _public_headers(response)
    if request.if_none_match.contains_weak(etag):
        response.status_code = 304
        response.headers.pop("Content-Type", None)
        return response
    if zipped:
        response.set_data(entry.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(entry.body)
    return response


def _public_headers(response):
    config = current_app.config
    # Browsers ask again every time (a 304 from the cache when nothing changed): with a
    # max-age of their own, a visitor who just saw a listing sold would still see it for
    # seconds. Shared caches (a CDN, RFC 9213's CDN-Cache-Control) may keep it briefly.
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["CDN-Cache-Control"] = (
        f"public, max-age={config['PAGE_MAX_AGE']}, stale-while-revalidate={config['PAGE_STALE_WHILE_REVALIDATE']}"
    )
    for name in VARY:
        response.vary.add(name)


def _storable(response):
    return (
        response.status_code == 200
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and "Content-Encoding" not in response.headers
        and not session  # anything put in the session would send a cookie
        and not session.modified
        and "csp_nonce" not in g
    )


def _after(response):
    if g.get("page_cache_hit"):
        return response
    if g.get("page_cacheable") and _storable(response):
        entry = Entry(200, [(k, v) for k, v in response.headers.items() if k in KEPT_HEADERS], response.get_data())
        key = g.get("page_cache_key")
        store = current_app.extensions["page_cache"]["store"]
        stored = bool(key and store is not None and store.set(key, entry, current_app.config["PAGE_CACHE_TTL"]))
        return _answer(entry, "miss" if stored else "off")
    if request.endpoint not in ("static", "media.photo") and "Cache-Control" not in response.headers:
        if has_session() or session:
            # Whatever a visitor with a session sees may be theirs alone.
            response.headers["Cache-Control"] = "private, no-store"
    return response


def make_store(app):
    if not app.config["PAGE_CACHE"]:
        return None
    if app.config["REDIS_URL"]:
        return RedisStore(app.config["REDIS_URL"])
    return MemoryStore(app.config["PAGE_CACHE_ENTRIES"], app.config["PAGE_CACHE_BYTES"])


def init_app(app):
    """Install the cache last, so its answer hook runs first, on the view's own response.

    Its lookup runs early instead: right after the database connects and the schema check
    (it reads the catalog version), before Flask-Principal's identity load and
    Flask-Limiter's check. A hit is an anonymous copy of a public page and needs neither;
    skipping them is a third of a hit's time."""
    from . import schema_check

    app.extensions["page_cache"] = {"store": make_store(app), "build": build_id(app)}
    hooks = app.before_request_funcs.setdefault(None, [])
    after = schema_check.refuse_while_behind
    hooks.insert(hooks.index(after) + 1 if after in hooks else len(hooks), _before)
    app.after_request(_after)
