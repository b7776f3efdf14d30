"""The admin knows the new statuses: dashboard counts, the list's status filter, the log's labels."""

from models import ListingStatus

S = ListingStatus


def html(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_dashboard_counts_and_filters_know_withdrawn_and_expired(client, login_as, alice, admin, make_listing):
    make_listing(alice, status=S.WITHDRAWN, admin=admin)
    make_listing(alice, status=S.EXPIRED, admin=admin, name="Old scarf")
    make_listing(alice, status=S.EXPIRED, admin=admin, name="Old hat")
    login_as(admin)
    page = html(client.get("/admin/"))
    assert 'data-status="withdrawn">1<' in page
    assert 'data-status="expired">2<' in page
    assert "Withdrawn" in page and "Expired" in page

    expired_only = html(client.get("/admin/pristroy/?flt0_status_equals=expired"))
    assert "Old scarf" in expired_only and "Old hat" in expired_only and "Blue jacket" not in expired_only


def test_the_log_names_the_new_moves_in_both_languages(client, login_as, alice, admin, make_listing):
    make_listing(alice, status=S.WITHDRAWN, admin=admin)
    make_listing(alice, status=S.EXPIRED, admin=admin)
    login_as(admin)
    page = html(client.get("/admin/moderation-log/"))
    assert "take off sale" in page and "expire" in page
    page = html(client.get("/admin/moderation-log/", headers={"Accept-Language": "ru"}))
    assert "Снято с продажи" in page and "Срок истёк" in page
