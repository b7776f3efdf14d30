"""m0009 on a database that already has listings (the first release's fixture): after
`db upgrade` each listing's photo is the first (and only) of its gallery, still shown and served."""

from tests.migrations.conftest import blank_url, make_app, open_db, release1_config, release1_url  # noqa: F401


def test_each_listings_photo_becomes_the_first_of_its_gallery(release1_config, make_app, open_db):  # noqa: F811
    app = make_app(release1_config)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Applied m0009_listing_photos" in result.output
    database = open_db(release1_config["DATABASE_URL"])
    with_photo = database.execute_sql(
        'SELECT "id", "photo_id" FROM "listing" WHERE "photo_id" IS NOT NULL ORDER BY "id"'
    ).fetchall()
    assert with_photo  # the fixture has a listing with its own photo
    gallery = database.execute_sql(
        'SELECT "listing_id", "photo_id", "position" FROM "listingphoto" ORDER BY "listing_id"'
    ).fetchall()
    assert [tuple(row) for row in gallery] == [(listing_id, photo_id, 0) for listing_id, photo_id in with_photo]
    # The fixture's approved scarf has its own photo: still its item page's main photo, served.
    ids = dict(database.execute_sql('SELECT "name", "id" FROM "listing"').fetchall())
    scarf = ids["Grey scarf, worn once"]
    photo_id = dict(with_photo)[scarf]
    stem, ext = database.execute_sql(f'SELECT "stem", "ext" FROM "photo" WHERE "id" = {int(photo_id)}').fetchone()
    client = app.test_client()
    response = client.get(f"/pristroy/{scarf}")
    assert response.status_code == 200
    assert f'class="item-photo" src="/media/{stem}.{ext}"' in response.get_data(as_text=True)
    served = client.get(f"/media/{stem}.{ext}")
    assert served.status_code == 200
    served.close()
