"""The Reviews tab: who may post, the Seller mark, replies, deleting, safe text, limits."""

import pytest

from models import ListingStatus, Notification, NotificationKind
from models.comments import Comment
from tests.conftest import get_csrf

from .helpers import log_out, text_of

S = ListingStatus


@pytest.fixture
def listing(make_user, make_listing):
    admin = make_user(username="admin", admin=True)
    return make_listing(make_user(username="olga"), status=S.APPROVED, admin=admin)


def _post(client, listing, body, parent_id=None):
    url = f"/pristroy/{listing.id}"
    data = {"body": body, "csrf_token": get_csrf(client, url)}
    if parent_id:
        data["parent_id"] = parent_id
    return client.post(f"{url}/comments", data=data)


def test_anonymous_visitors_read_but_cannot_post(client, listing):
    page = client.get(f"/pristroy/{listing.id}")
    assert "Log in to ask the seller a question" in text_of(page)
    assert 'name="body"' not in page.get_data(as_text=True)
    response = client.post(f"/pristroy/{listing.id}/comments", data={"body": "Hello?"})
    assert response.status_code in (302, 400, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    assert Comment.select().count() == 0


def test_question_and_the_sellers_answer(client, login_as, make_user, listing):
    buyer = make_user(username="ivan")
    login_as(buyer)
    response = _post(client, listing, "Is the size true to fit?")
    assert response.status_code == 303
    question = Comment.get()
    assert response.headers["Location"].endswith(f"/pristroy/{listing.id}#comment-{question.id}")
    # The owner is told, once.
    notes = list(Notification.select().where(Notification.kind == NotificationKind.COMMENT))
    assert [n.user_id for n in notes] == [listing.owner_id]

    log_out(client)
    login_as(listing.owner)
    assert _post(client, listing, "Yes, it is.", parent_id=question.id).status_code == 303
    assert Notification.select().where(Notification.kind == NotificationKind.COMMENT).count() == 1
    # The one who asked is told that the seller answered.
    answer_notes = list(Notification.select().where(Notification.kind == NotificationKind.ANSWER))
    assert [n.user_id for n in answer_notes] == [buyer.id]

    log_out(client)
    page = client.get(f"/pristroy/{listing.id}").get_data(as_text=True)
    text = text_of(client.get(f"/pristroy/{listing.id}"))
    assert "Reviews 2" in text
    # The answer is under the question, marked Seller; the question is not.
    assert "ivan · " in text and "olga Seller" in text and "ivan Seller" not in text
    thread = page[page.index(f'id="comment-{question.id}"') :]
    assert (
        thread.index("Is the size true to fit?")
        < thread.index('class="list-unstyled replies"')
        < thread.index("Yes, it is.")
    )


def test_comments_oldest_first(client, login_as, make_user, listing):
    login_as(make_user())
    for body in ("First question", "Second question", "Third question"):
        assert _post(client, listing, body).status_code == 303
    text = text_of(client.get(f"/pristroy/{listing.id}"))
    assert text.index("First question") < text.index("Second question") < text.index("Third question")


def test_markup_is_shown_as_text(client, login_as, make_user, listing):
    login_as(make_user())
    _post(client, listing, '<script>alert("hi")</script> <b>bold</b>')
    page = client.get(f"/pristroy/{listing.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt;" in page
    assert '<script>alert("hi")</script> <b>bold</b>' in text_of(client.get(f"/pristroy/{listing.id}"))


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 2001])
def test_length_is_1_to_2000_and_the_text_is_kept(client, login_as, make_user, listing, body):
    login_as(make_user())
    response = _post(client, listing, body)
    assert response.status_code == 400
    text = text_of(response)
    assert "Write a comment or a question" in text or "up to 2000 characters" in text
    if body.strip():
        assert body in response.get_data(as_text=True)
    assert Comment.select().count() == 0
    assert _post(client, listing, "x" * 2000).status_code == 303


def test_authors_delete_their_own_comments_only(client, login_as, make_user, listing):
    author, other = make_user(username="author"), make_user(username="other")
    login_as(author)
    _post(client, listing, "Mine to delete")
    comment = Comment.get()
    url = f"/pristroy/{listing.id}/comments/{comment.id}/delete"
    log_out(client)
    login_as(other)
    page = client.get(f"/pristroy/{listing.id}").get_data(as_text=True)
    assert url not in page  # no delete button on someone else's comment
    assert client.post(url, data={"csrf_token": get_csrf(client, f"/pristroy/{listing.id}")}).status_code == 403
    assert Comment.select().count() == 1
    log_out(client)
    login_as(author)
    assert url in client.get(f"/pristroy/{listing.id}").get_data(as_text=True)
    assert client.post(url).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": get_csrf(client, f"/pristroy/{listing.id}")})
    assert response.status_code == 303
    assert Comment.select().count() == 0
    assert "Mine to delete" not in text_of(client.get(f"/pristroy/{listing.id}"))


def test_deleted_question_keeps_its_answers(client, login_as, make_user, listing):
    asker = make_user(username="asker")
    login_as(asker)
    _post(client, listing, "Question that goes away")
    question = Comment.get()
    log_out(client)
    login_as(listing.owner)
    _post(client, listing, "An answer that stays", parent_id=question.id)
    log_out(client)
    login_as(asker)
    token = get_csrf(client, f"/pristroy/{listing.id}")
    client.post(f"/pristroy/{listing.id}/comments/{question.id}/delete", data={"csrf_token": token})
    text = text_of(client.get(f"/pristroy/{listing.id}"))
    assert "Question that goes away" not in text
    assert "Comment deleted" in text and "An answer that stays" in text


def test_no_comments_on_listings_that_are_not_public(client, login_as, make_user, make_listing):
    hidden = make_listing(make_user(username="hidden_owner"), status=S.MODERATION)
    login_as(make_user())
    response = client.post(f"/pristroy/{hidden.id}/comments", data={"body": "hi", "csrf_token": get_csrf(client, "/")})
    assert response.status_code == 404
    assert Comment.select().count() == 0


def test_a_comment_is_deleted_only_under_its_own_listing(client, login_as, make_user, make_listing, listing):
    other = make_listing(make_user(username="petr"), status=S.APPROVED, admin=make_user(username="admin2", admin=True))
    author = make_user(username="author")
    login_as(author)
    _post(client, listing, "Stays where it is")
    comment = Comment.get()
    token = get_csrf(client, f"/pristroy/{other.id}")
    # The address names another listing: not found there, and nothing is deleted.
    assert (
        client.post(f"/pristroy/{other.id}/comments/{comment.id}/delete", data={"csrf_token": token}).status_code == 404
    )
    assert Comment.get_by_id(comment.id).deleted_at is None
    assert "Stays where it is" in text_of(client.get(f"/pristroy/{listing.id}"))
    url = f"/pristroy/{listing.id}/comments/{comment.id}/delete"
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    assert Comment.select().count() == 0


def test_delete_comment_checks_the_listing_before_it_acts(make_user, make_listing, listing):
    from models.comments import CommentError, delete_comment, post_comment

    other = make_listing(make_user(username="petr"), status=S.APPROVED, admin=make_user(username="admin2", admin=True))
    author = make_user(username="author")
    comment = post_comment(listing, author, "Question")
    with pytest.raises(CommentError) as info:
        delete_comment(comment.id, author, listing_id=other.id)
    assert info.value.not_found
    assert Comment.select().count() == 1
    delete_comment(comment.id, author, listing_id=listing.id)
    assert Comment.select().count() == 0


# ---------------------------------------------------------------- the admin's delete: the same rule


def _thread(listing, make_user):
    from models.comments import post_comment

    question = post_comment(listing, make_user(username="asker"), "Spam question")
    answer = post_comment(listing, listing.owner, "The seller's answer", parent_id=question.id)
    return question, answer


def _admin_token(client):
    from tests.conftest import csrf_from

    return csrf_from(client.get("/admin/comments/").get_data(as_text=True))


def test_admin_delete_keeps_the_answers_under_a_placeholder(client, login_as, make_user, listing):
    question, answer = _thread(listing, make_user)
    login_as(make_user(username="moderator", admin=True))
    page = client.get("/admin/comments/").get_data(as_text=True)
    assert 'action="/admin/comments/delete/"' in page
    response = client.post("/admin/comments/delete/", data={"csrf_token": _admin_token(client), "id": question.id})
    assert response.status_code == 302
    kept = Comment.get_by_id(question.id)
    assert kept.is_deleted and kept.body == ""
    assert Comment.get_by_id(answer.id).body == "The seller's answer"
    text = text_of(client.get(f"/pristroy/{listing.id}"))
    assert "Spam question" not in text and "Comment deleted" in text and "The seller's answer" in text
    # The last answer takes the placeholder with it, as on the page.
    client.post("/admin/comments/delete/", data={"csrf_token": _admin_token(client), "id": answer.id})
    assert Comment.select().count() == 0


def test_admin_bulk_delete_goes_through_the_same_rule(client, login_as, make_user, listing):
    question, answer = _thread(listing, make_user)
    lone = Comment.create(listing=listing.id, author=question.author_id, body="Lone spam")
    login_as(make_user(username="moderator", admin=True))
    data = {"csrf_token": _admin_token(client), "action": "delete", "rowid": [str(question.id), str(lone.id)]}
    response = client.post("/admin/comments/action/", data=data)
    assert response.status_code == 302
    assert Comment.get_or_none(Comment.id == lone.id) is None
    assert Comment.get_by_id(question.id).is_deleted
    assert Comment.get_by_id(answer.id).deleted_at is None
    page = client.get("/admin/comments/").get_data(as_text=True)
    assert "2 records were successfully deleted." in page
