"""The list page runs the same number of queries for 10 rows as for 100."""

import re

from playhouse.test_utils import count_queries

from models import ListingStatus
from tests.conftest import image_bytes


def test_list_queries_do_not_grow_with_rows(admin_client, admin, make_user, make_listing):
    from models.photos import process_image

    owners = [make_user(f"seller{n}") for n in range(10)]
    photo = process_image(image_bytes("PNG", (64, 64)), "p.png")
    for n in range(100):
        make_listing(
            owners[n % 10],
            name=f"Item {n:03d}",
            photo=photo if n % 10 == 0 else None,
            status=ListingStatus.APPROVED if n % 3 else ListingStatus.MODERATION,
            admin=admin,
        )

    counts, pages = {}, {}
    for size in (10, 100):
        with count_queries() as counter:
            response = admin_client.get(f"/admin/pristroy/?page_size={size}")
        assert response.status_code == 200
        counts[size] = counter.count
        pages[size] = response.get_data(as_text=True)

    # The rows really are there, with their owners, orders and photos...
    assert len(re.findall(r'class="action-checkbox"', pages[10])) == 10
    assert len(re.findall(r'class="action-checkbox"', pages[100])) == 100
    for owner in owners:
        assert f'<td class="col-owner">{owner.username}</td>' in pages[100]
    assert pages[100].count('class="admin-thumb"') >= 10
    # ...and they cost no extra queries.
    print("queries per list page:", counts)
    assert counts[10] == counts[100], counts
    assert counts[100] <= 12, counts
