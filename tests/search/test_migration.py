"""m0008 on a database that already has listings (the first release's fixture): after
`db upgrade` its old listings are found by word form and by their product's name."""

from tests.migrations.conftest import blank_url, make_app, open_db, release1_config, release1_url  # noqa: F401
from tests.public.helpers import item_ids


def test_old_listings_are_found_by_word_form_after_the_upgrade(release1_config, make_app, open_db):  # noqa: F811
    app = make_app(release1_config)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Applied m0008_search_stems" in result.output
    database = open_db(release1_config["DATABASE_URL"])
    ids = dict(database.execute_sql('SELECT "name", "id" FROM "listing"').fetchall())
    assert database.execute_sql('SELECT COUNT(*) FROM "listing" WHERE "search_text" IS NULL').fetchone()[0] == 0
    client = app.test_client()
    grey = ids["Grey scarf, worn once"]
    # The release matched "scarves" with nothing (a prefix of no word): the lemma meets "scarf".
    assert item_ids(client.get("/pristroy/?q=scarves")) == [grey]
    assert item_ids(client.get("/pristroy/?q=wearing")) == [grey]  # "worn", by its dictionary form
    # Its product is the store's "Wool scarf, grey": the product's name is searched too.
    assert item_ids(client.get("/pristroy/?q=wool")) == [grey]
    assert item_ids(client.get("/pristroy/?q=parka")) == []  # declined: still not on the showcase
