"""Pooled connections always go back: a threaded server (one thread per request)
must not leak one per request, static files included."""

import threading

from models import db


def test_no_connection_leaks_from_request_threads(app, client, login_as, make_user):
    login_as(make_user(username="boss", admin=True))
    urls = ["/static/css/app.css", "/admin/static/vendor/jquery.min.js", "/", "/pristroy/", "/admin/", "/nope"]

    def hit(url):
        client.get(url).close()

    for _ in range(3):
        for url in urls:
            thread = threading.Thread(target=hit, args=(url,))
            thread.start()
            thread.join()
    pool = db.database.obj
    # Only this test's own thread may hold one (the fixtures' queries).
    assert len(pool._in_use) <= 1, pool._in_use
