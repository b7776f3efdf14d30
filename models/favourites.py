"""Favourites: listings a customer saved to find again at /account/favourites.

Only a public listing can be saved. A saved listing that leaves the showcase
(sold, removed, declined, back on moderation...) stays in the list as "no longer
available" and shows none of its details; its owner still sees on My items how
many people saved it. Saving twice is saving once; removing what is not saved
does nothing. A blocked customer keeps their favourites: saving is not selling.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import DateTimeField, ForeignKeyField, fn

from . import catalog
from .db import BaseModel
from .errors import NOT_FOUND, DomainError
from .listings import Listing, ListingStatus
from .users import User, utcnow


class Favourite(BaseModel):
    user = ForeignKeyField(User, backref="favourites", on_delete="CASCADE")
    listing = ForeignKeyField(Listing, backref="favourites", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "listing"), True), (("listing",), False))


class FavouriteNotFound(DomainError):
    def __init__(self):
        super().__init__(_("Not found."), kind=NOT_FOUND)


@dataclass(frozen=True)
class Entry:
    """A line of the favourites page: `card` is None when the listing is no longer available."""

    id: int
    listing_id: int
    card: catalog.Card | None

    @property
    def available(self):
        return self.card is not None


def add(user, listing_id):
    """Save a public listing for `user`; a listing visitors can't see is not found."""
    status = Listing.select(Listing.status).where(Listing.id == listing_id).scalar()
    if status is None or not ListingStatus.is_public(status):
        raise FavouriteNotFound()
    Favourite.insert(user=user.id, listing=listing_id, created_at=utcnow()).on_conflict_ignore().execute()


def remove(user, listing_id):
    """Forget `user`'s favourite of this listing, if there is one."""
    Favourite.delete().where((Favourite.user == user.id) & (Favourite.listing == listing_id)).execute()


def remove_by_id(user, favourite_id):
    """Forget one of `user`'s favourites by its id; someone else's (or none) is not found."""
    deleted = Favourite.delete().where((Favourite.id == favourite_id) & (Favourite.user == user.id)).execute()
    if not deleted:
        raise FavouriteNotFound()


def entries(user):
    """`user`'s favourites, newest first: two queries however many there are."""
    rows = list(
        Favourite.select(Favourite.id, Favourite.listing, Listing.status)
        .join(Listing, on=(Favourite.listing == Listing.id))
        .where(Favourite.user == user.id)
        .order_by(Favourite.created_at.desc(), Favourite.id.desc())
        .namedtuples()
    )
    public = [row.listing for row in rows if ListingStatus.is_public(row.status)]
    cards = {card.id: card for card in catalog.cards(public)} if public else {}
    return [Entry(row.id, row.listing, cards.get(row.listing)) for row in rows]


def listing_ids(user):
    """The ids of the listings `user` saved, as a set: one query for a whole page of cards."""
    query = Favourite.select(Favourite.listing).where(Favourite.user == user.id).tuples()
    return {listing_id for (listing_id,) in query}


def counts(listing_ids):
    """{listing id: how many people saved it} for these listings (those nobody saved are left out)."""
    ids = list(listing_ids)
    if not ids:
        return {}
    query = (
        Favourite.select(Favourite.listing, fn.COUNT(Favourite.id))
        .where(Favourite.listing.in_(ids))
        .group_by(Favourite.listing)
        .tuples()
    )
    return dict(query)
