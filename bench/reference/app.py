"""The benchmark's reference: a bare Flask + peewee + Jinja app over the same `listing` table.

Naive on purpose: the showcase renders the 24 newest approved rows and the number
of pages from a plain COUNT, a deep page uses OFFSET, the search is a LIKE over
name and description (plus its COUNT), item and home pages are one plain query
each. No sessions, no auth, no layout beyond a plain template.
Served as `gunicorn -w 2 "app:create_app()"` from this folder, REF_DATABASE_URL set.
"""

import os

from flask import Flask, abort, render_template, request
from peewee import CharField, DateTimeField, DecimalField, IntegerField, Model, Proxy, TextField
from playhouse.db_url import connect

PAGE = 24
proxy = Proxy()


class Listing(Model):
    name = CharField()
    description = TextField()
    price = DecimalField(decimal_places=2)
    quantity = IntegerField()
    status = CharField()
    published_at = DateTimeField(null=True)

    class Meta:
        database = proxy
        table_name = "listing"


def create_app():
    app = Flask(__name__)
    url = os.environ["REF_DATABASE_URL"]
    proxy.initialize(connect(url, pragmas={"journal_mode": "wal"}) if url.startswith("sqlite") else connect(url))
    approved = Listing.select().where(Listing.status == "approved")
    newest = (Listing.published_at.desc(), Listing.id.desc())

    @app.before_request
    def _open():
        proxy.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not proxy.is_closed():
            proxy.close()

    @app.get("/hello")
    def hello():
        return "Hello, World!"

    @app.get("/")
    def home():
        return render_template("home.html", listings=list(approved.order_by(*newest).limit(8)))

    @app.get("/pristroy/")
    def showcase():
        page = max(request.args.get("page", 1, type=int), 1)
        q = request.args.get("q", "").strip()
        query = approved
        if q:
            query = query.where(Listing.name.contains(q) | Listing.description.contains(q))  # LIKE '%q%'
        rows = list(query.order_by(*newest).offset((page - 1) * PAGE).limit(PAGE))
        pages = (query.count() + PAGE - 1) // PAGE
        return render_template("showcase.html", listings=rows, page=page, pages=pages, q=q)

    @app.get("/pristroy/<int:listing_id>")
    def item(listing_id):
        listing = approved.where(Listing.id == listing_id).first()
        if listing is None:
            abort(404)
        return render_template("item.html", listing=listing)

    return app
