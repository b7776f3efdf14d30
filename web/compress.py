"""Pages that are not in the page cache, gzipped for the clients that take them.

The page cache (web/cache.py) compresses an anonymous page once per entry; a logged-in
visitor's pages (account, admin, the forms) are built for them alone and are compressed
here, per response. A 50 KB admin list is 8 KB gzipped: on a phone's connection that is
most of its first paint. nginx in front would do the same; a response that is already
encoded passes through untouched, so the two never stack.
"""

import gzip

from flask import request

# What browsers load as pages. The API's JSON is left to nginx: its clients are the store's
# connector and tools that read the body as it comes (schemathesis' WSGI client among them).
COMPRESSIBLE = {"text/html", "text/plain", "text/csv", "application/xml", "application/atom+xml"}
MIN_SIZE = 1024  # smaller bodies gain less than a packet
LEVEL = 5  # per response: most of level 9's gain for a third of its time


def accepts_gzip():
    """Whether this request's client takes gzip (`Accept-Encoding`)."""
    return request.accept_encodings["gzip"] > 0


def gzip_bytes(body, level):
    """`body` gzipped (reproducibly: no timestamp), or None when it is too small to gain."""
    if len(body) < MIN_SIZE:
        return None
    return gzip.compress(body, compresslevel=level, mtime=0)


def _compress(response):
    if (
        response.status_code < 200
        or response.status_code in (204, 206, 304)
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or not accepts_gzip()
    ):
        return response
    zipped = gzip_bytes(response.get_data(), LEVEL)
    if zipped is None:
        return response
    response.set_data(zipped)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}-gz", weak=weak)
    return response


def init_app(app):
    # Registered first, so it runs last: on the body every other hook has finished with.
    app.after_request(_compress)
