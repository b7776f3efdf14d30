"""The full-text index is kept by the database, whatever writes the listing."""

from models import Listing, ListingStatus, lifecycle
from models.demo import generate_listings
from models.listing_input import ListingData
from models.search import matching_ids, query_words


def _found(q):
    ids = matching_ids(q)
    return {listing_id for (listing_id,) in Listing.select(Listing.id).where(Listing.id.in_(ids)).tuples()}


def test_bulk_inserted_listings_are_indexed(app):
    generate_listings(50, seed=11)
    listing = Listing.select().order_by(Listing.id.desc()).first()
    word = listing.description.split()[0].strip(",.").lower()
    expected = {row.id for row in Listing.select() if word in row.description.lower() or word in row.name.lower()}
    assert listing.id in _found(word)
    assert _found(word) <= expected  # prefix matches may be fewer than a substring search, never more


def test_index_follows_edits_and_deletes(app, make_user, make_listing):
    admin = make_user(admin=True)
    owner = make_user()
    listing = make_listing(owner, status=ListingStatus.APPROVED, admin=admin, description="Antique samovar")
    assert _found("samovar") == {listing.id}
    lifecycle.edit_listing(owner, listing.id, ListingData("Teapot", "Porcelain teapot", "100", 1))
    lifecycle.approve(admin, listing.id)
    assert _found("samovar") == set()
    assert _found("porcelain") == {listing.id}
    Listing.delete().where(Listing.id == listing.id).execute()
    assert _found("porcelain") == set()


def test_a_search_counts_only_what_visitors_can_see(app, client, make_user, make_listing):
    """SQLite's index holds the Approved listings only and the showcase's count is the index's
    own: a listing leaves the count when it stops being public and comes back with approval."""
    admin = make_user(admin=True)
    owner = make_user()
    shown = make_listing(owner, status=ListingStatus.APPROVED, admin=admin, description="Brass samovar")
    make_listing(owner, status=ListingStatus.MODERATION, description="Copper samovar")
    make_listing(owner, status=ListingStatus.DECLINED, admin=admin, description="Tin samovar")
    other = make_listing(owner, status=ListingStatus.APPROVED, admin=admin, description="Silver samovar")

    def count_shown():
        page = client.get("/pristroy/?q=samovar").get_data(as_text=True)
        return page.count('listing-card"'), page

    assert count_shown()[0] == 2
    lifecycle.edit_listing(owner, other.id, ListingData("Samovar", "Silver samovar, cleaned", "100", 1))
    cards, page = count_shown()
    assert cards == 1 and "1 listing<" in page, page
    lifecycle.approve(admin, other.id)
    assert count_shown()[0] == 2
    lifecycle.mark_sold(owner, shown.id)
    cards, page = count_shown()
    assert cards == 1 and "1 listing<" in page


def test_query_words_are_plain_words():
    assert query_words('Blue "jacket" OR NEAR(x) -wool*') == ["blue", "jacket", "or", "near", "x", "wool"]
    assert query_words("   ") == []
    assert len(query_words(" ".join(f"w{i}" for i in range(30)))) == 8
    assert matching_ids("!!!") is None
