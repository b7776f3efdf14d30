"""Static files as a phone wants them: gzipped, and kept for good when the address is versioned.

`static_url()` (web/urls.py) adds the content's hash as `?v=`. A request whose `v` is the
file's current hash gets `Cache-Control: public, max-age=31536000, immutable`: the address
changes whenever the file does. Any other request gets the default lifetime.

Text files (CSS, JS, SVG, JSON, ICO) larger than a packet go out gzipped to clients that
accept it, compressed once per file version and kept in memory (the files are small and
few). nginx serves /static/ itself in production (deploy/); this is for `python app.py`
and a gunicorn without a proxy in front.
"""

import hashlib
import mimetypes
import os
import threading

from flask import current_app, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from .compress import accepts_gzip, gzip_bytes

YEAR = 365 * 24 * 3600
COMPRESSIBLE = (".css", ".js", ".svg", ".json", ".webmanifest", ".ico", ".map", ".txt")

_lock = threading.Lock()
# (path, mtime_ns, size) -> (hash, gzipped bytes or None)
_versions = {}


def file_hash(path):
    """The first 10 hex digits of the file's blake2b: what static_url puts in `?v=`."""
    with open(path, "rb") as fh:
        return hashlib.blake2b(fh.read(), digest_size=5).hexdigest()


def _version(path, stat):
    key = (path, stat.st_mtime_ns, stat.st_size)
    found = _versions.get(key)
    if found is None:
        with open(path, "rb") as fh:
            data = fh.read()
        digest = hashlib.blake2b(data, digest_size=5).hexdigest()
        zipped = None
        if path.endswith(COMPRESSIBLE):
            zipped = gzip_bytes(data, 9)  # once per file version: the hardest level
        found = (digest, zipped)
        with _lock:
            _versions[key] = found
    return found


def serve_from(folder, filename):
    """One file of `folder`, gzipped when the client takes it; a year's cache when versioned."""
    path = safe_join(folder, filename)
    if path is None or not os.path.isfile(path):
        raise NotFound()
    stat = os.stat(path)
    digest, zipped = _version(path, stat)
    versioned = request.args.get("v") == digest
    if zipped is not None and accepts_gzip():
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        response = current_app.response_class(zipped, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{digest}-gz")
        response.last_modified = int(stat.st_mtime)
        response.make_conditional(request)
    else:
        response = send_from_directory(folder, filename)
    response.vary.add("Accept-Encoding")
    if versioned:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


def serve_static(filename):
    return serve_from(current_app.static_folder, filename)


def serve_admin_static(filename):
    """Flask-Admin's Bootstrap, jQuery and friends: 700 KB plain, a quarter of that gzipped."""
    return serve_from(current_app.blueprints["admin"].static_folder, filename)


def init_app(app):
    app.view_functions["static"] = serve_static
    # /favicon.ico, where browsers and crawlers look whatever the page says: the `static`
    # endpoint, so it opens no database connection and is served while the schema is behind.
    app.add_url_rule("/favicon.ico", "static", serve_static, defaults={"filename": "favicon.ico"})


def init_admin(app):
    """After Flask-Admin registered its blueprint: its static files the same way as ours."""
    if "admin.static" in app.view_functions:
        app.view_functions["admin.static"] = serve_admin_static
