"""Comments and questions in an item page's Reviews tab.

A comment either starts a thread (`parent` is None) or answers one; an answer
to an answer joins the same thread, so a page shows one level of replies under
the comment they answer. Posting checks the length and that the listing can be
seen by the author; the listing's owner is notified of comments by others.
"""

from flask_babel import gettext as _
from peewee import DateTimeField, ForeignKeyField, TextField

from ._sql import CompiledQuery
from .db import BaseModel, write_transaction
from .errors import FORBIDDEN, INVALID, NOT_FOUND, DomainError
from .listings import Listing
from .notifications import NotificationKind, notify
from .text import TextError, clean_text
from .users import User, refuse_if_blocked, utcnow

MAX_BODY = 2000


class CommentError(DomainError):
    """A comment that can't be posted or deleted; `message` is shown next to the field `body`."""

    def __init__(self, message, kind=INVALID):
        super().__init__(message, field="body", kind=kind)


class Comment(BaseModel):
    listing = ForeignKeyField(Listing, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="CASCADE")
    parent = ForeignKeyField("self", null=True, backref="replies", on_delete="CASCADE")
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    # A comment deleted while it has answers stays as a placeholder so the thread still reads.
    deleted_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("listing", "created_at"), False), (("parent",), False))

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @classmethod
    def threads(cls, listing):
        """The listing's comments as [(comment, [replies])], oldest first, authors loaded, one query."""
        rows = _threads_of(listing.id)
        threads, by_id = [], {}
        for comment in rows:
            comment.is_seller = comment.author_id == listing.owner_id
            if comment.parent_id is None or comment.parent_id not in by_id:
                by_id[comment.id] = (comment, [])
                threads.append(by_id[comment.id])
            else:
                by_id[comment.parent_id][1].append(comment)
        # Placeholders of deleted comments whose answers are all gone too are not worth showing.
        return [(c, replies) for c, replies in threads if not c.is_deleted or replies]

    @classmethod
    def count_for(cls, listing):
        return cls.select().where((cls.listing == listing.id) & cls.deleted_at.is_null()).count()


# Built once: the SQL of this join cost more to build than to run.
_threads_of = CompiledQuery(
    lambda listing_id: (
        Comment.select(Comment, User.id, User.username, User.email)
        .join(User, on=(Comment.author == User.id))
        .where(Comment.listing == listing_id)
        .order_by(Comment.created_at, Comment.id)
    )
)


def clean_body(body):
    try:
        body = clean_text(body, MAX_BODY, multiline=True)
    except TextError as exc:
        if str(exc) == "length":
            raise CommentError(_("A comment can be up to %(max)s characters long.", max=MAX_BODY)) from None
        raise CommentError(_("Remove the invisible control characters from this text.")) from None
    if not body:
        raise CommentError(_("Write a comment or a question."))
    return body


def post_comment(listing, author, body, parent_id=None):
    """Post a comment or an answer on `listing` (loaded with its owner) and notify the owner."""
    body = clean_body(body)
    with write_transaction():
        refuse_if_blocked(author)
        parent = None
        if parent_id:
            parent = Comment.get_or_none((Comment.id == parent_id) & (Comment.listing == listing.id))
            if parent is None:
                raise CommentError(_("The comment you answer no longer exists."))
            # Answers to answers go to the same thread: one level of replies.
            if parent.parent_id:
                parent = Comment.get_by_id(parent.parent_id)
        comment = Comment.create(listing=listing.id, author=author.id, parent=parent, body=body)
        if author.id != listing.owner_id:
            notify(listing.owner, NotificationKind.COMMENT, listing)
        elif parent is not None and parent.author_id != author.id:
            # The seller answered someone's question: tell the one who asked.
            notify(parent.author, NotificationKind.ANSWER, listing)
    return comment


def delete_comment(comment_id, user, listing_id=None):
    """The author (or an admin) deletes a comment; one with answers stays as a placeholder.

    Every door calls this: the item page (with `listing_id`, the listing of its
    address: a comment of another listing is not found there, and nothing is
    deleted) and the admin's delete button and bulk action.
    """
    with write_transaction():
        comment = Comment.get_or_none(Comment.id == comment_id)
        if comment is None or comment.is_deleted or (listing_id is not None and comment.listing_id != listing_id):
            raise CommentError(_("This comment no longer exists."), kind=NOT_FOUND)
        if comment.author_id != user.id and not user.has_role("admin"):
            raise CommentError(_("You can delete only your own comments."), kind=FORBIDDEN)
        has_replies = Comment.select().where(Comment.parent == comment.id).exists()
        if has_replies:
            Comment.update(deleted_at=utcnow(), body="").where(Comment.id == comment.id).execute()
        else:
            Comment.delete().where(Comment.id == comment.id).execute()
            parent = comment.parent_id and Comment.get_or_none(Comment.id == comment.parent_id)
            # The last answer of a deleted question takes the placeholder with it.
            if parent and parent.is_deleted and not Comment.select().where(Comment.parent == parent.id).exists():
                Comment.delete().where(Comment.id == parent.id).execute()
    return comment
