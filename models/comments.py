"""Comments and questions in an item page's Reviews tab.

A comment either starts a thread (`parent` is None) or answers one; an answer
to an answer joins the same thread, so a page shows one level of replies under
the comment they answer. Posting checks the length and that the listing can be
seen by the author; the listing's owner is notified of comments by others.
"""

from flask_babel import gettext as _
from peewee import CharField, DateTimeField, ForeignKeyField, IntegrityError, TextField, fn

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
    # Hidden by a moderator: kept (for the log and a restore), shown as "hidden by a moderator".
    hidden_at = DateTimeField(null=True)
    hidden_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="hidden_comments")

    class Meta:
        indexes = ((("listing", "created_at"), False), (("parent",), False))

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_hidden(self):
        return self.hidden_at is not None

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
        return (
            cls.select().where((cls.listing == listing.id) & cls.deleted_at.is_null() & cls.hidden_at.is_null()).count()
        )


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
            notify(listing.owner, NotificationKind.COMMENT, listing, quote=body)
        elif parent is not None and parent.author_id != author.id:
            # The seller answered someone's question: tell the one who asked.
            notify(parent.author, NotificationKind.ANSWER, listing, quote=body, question=parent.body)
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


# ---------------------------------------------------------------- moderation of comments


class CommentReport(BaseModel):
    """A user's report of a comment (once per user); closed when a moderator hides it or dismisses."""

    comment = ForeignKeyField(Comment, backref="reports", on_delete="CASCADE")
    reporter = ForeignKeyField(User, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)
    resolved_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="resolved_comment_reports")
    outcome = CharField(max_length=16, null=True)  # "dismissed" or "acted", as for listings' reports

    class Meta:
        indexes = ((("comment", "reporter"), True), (("resolved_at", "created_at"), False))


def _require_moderator(user):
    if user is None or not user.has_role("admin"):
        raise CommentError(_("Only moderators can do this."), kind=FORBIDDEN)


def _close_comment_reports(admin, comment_id, outcome, report_ids=None):
    query = CommentReport.update(resolved_at=utcnow(), resolved_by=admin.id, outcome=outcome).where(
        (CommentReport.comment == comment_id) & CommentReport.resolved_at.is_null()
    )
    if report_ids is not None:
        query = query.where(CommentReport.id.in_(list(report_ids) or [0]))
    return query.execute()


def hide_comment(admin, comment_id):
    """A moderator hides a comment: it stays (shown as "hidden by a moderator"); its reports close."""
    _require_moderator(admin)
    with write_transaction():
        changed = (
            Comment.update(hidden_at=utcnow(), hidden_by=admin.id)
            .where((Comment.id == comment_id) & Comment.hidden_at.is_null() & Comment.deleted_at.is_null())
            .execute()
        )
        if changed != 1:
            raise _hide_refusal(comment_id, _("This comment is already hidden."))
        _close_comment_reports(admin, comment_id, "acted")
    return Comment.get_by_id(comment_id)


def restore_comment(admin, comment_id):
    """Undo a hide: the comment reads again as it was written."""
    _require_moderator(admin)
    with write_transaction():
        changed = (
            Comment.update(hidden_at=None, hidden_by=None)
            .where((Comment.id == comment_id) & Comment.hidden_at.is_null(False))
            .execute()
        )
        if changed != 1:
            raise _hide_refusal(comment_id, _("This comment is not hidden."))
    return Comment.get_by_id(comment_id)


def _hide_refusal(comment_id, message):
    comment = Comment.get_or_none(Comment.id == comment_id)
    if comment is None or comment.is_deleted:
        return CommentError(_("This comment no longer exists."), kind=NOT_FOUND)
    return CommentError(message)


def report_comment(user, comment_id, listing_id):
    """`user` reports a comment of the listing `listing_id` (once). Raises CommentError."""
    with write_transaction():
        comment = Comment.get_or_none((Comment.id == comment_id) & (Comment.listing == listing_id))
        if comment is None or comment.is_deleted or comment.is_hidden:
            raise CommentError(_("This comment no longer exists."), kind=NOT_FOUND)
        if comment.author_id == user.id:
            raise CommentError(_("You can't report your own comment."))
        refuse_if_blocked(user)
        try:
            with Comment._meta.database.atomic():
                return CommentReport.create(comment=comment.id, reporter=user.id)
        except IntegrityError:
            raise CommentError(_("You have already reported this comment.")) from None


def comment_report_queue(limit=50):
    """Comments with open reports, the latest report first: [(comment, count, [reports])], three queries.

    Each comment comes with its author and listing (`listing_name`); each report with its reporter.
    """
    open_ = CommentReport.resolved_at.is_null()
    latest = fn.MAX(CommentReport.created_at)
    groups = list(
        CommentReport.select(CommentReport.comment, fn.COUNT(CommentReport.id))
        .where(open_)
        .group_by(CommentReport.comment)
        .order_by(latest.desc(), CommentReport.comment.desc())
        .limit(limit)
        .tuples()
    )
    ids = [comment_id for comment_id, _count in groups]
    if not ids:
        return []
    comments = {
        c.id: c
        for c in Comment.select(Comment, User, Listing.id, Listing.name)
        .join(User, on=(Comment.author == User.id))
        .switch(Comment)
        .join(Listing, on=(Comment.listing == Listing.id), attr="listing_row")
        .where(Comment.id.in_(ids))
    }
    reporter = User.alias()
    reports = {}
    for report in (
        CommentReport.select(CommentReport, reporter)
        .join(reporter, on=(CommentReport.reporter == reporter.id), attr="reporter_row")
        .where(CommentReport.comment.in_(ids) & open_)
        .order_by(CommentReport.created_at.desc(), CommentReport.id.desc())
    ):
        reports.setdefault(report.comment_id, []).append(report)
    return [(comments[i], n, reports.get(i, [])) for i, n in groups if i in comments]


def open_comment_reports():
    return CommentReport.select().where(CommentReport.resolved_at.is_null()).count()


def dismiss_comment_reports(admin, comment_id, report_ids):
    """Close the reports of a comment the moderator saw as dismissed; refused if all were closed meanwhile."""
    _require_moderator(admin)
    with write_transaction():
        changed = _close_comment_reports(admin, comment_id, "dismissed", report_ids=[int(i) for i in report_ids])
        if changed == 0:
            raise CommentError(_("Another moderator has already dealt with these reports. Nothing was changed."))
    return changed
