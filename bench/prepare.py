"""Run inside the app's environment after `demo-data`: adds what the benchmark needs.

- a dedicated seller `benchseller` with one Completed order line of a huge quantity,
  so the put-up POST can be repeated thousands of times;
- a sample of approved listing ids for the item-page load;
- the search word: the vocabulary word whose share of listings is closest to 1%
  (counted both as a whole word and as a LIKE substring, which must agree).
Prints one JSON object on stdout.
"""

import json
import random
import re
import secrets
import sys
from collections import Counter

sys.path.insert(0, ".")

from app import create_app  # noqa: E402

BENCH_LOGIN = "benchseller"
BENCH_PASSWORD = "bench12345"


def main():
    app = create_app()
    from flask_security import hash_password

    from models import Listing, Order, OrderLine, OrderStatus, Product, User, db
    from models.users import utcnow

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        with db.database.atomic():
            user = User.get_or_none(User.username == BENCH_LOGIN)
            if user is None:
                user = User.create(
                    email=f"{BENCH_LOGIN}@example.com",
                    username=BENCH_LOGIN,
                    password=hash_password(BENCH_PASSWORD),
                    fs_uniquifier=secrets.token_hex(16),
                    confirmed_at=utcnow(),
                )
            order = Order.get_or_none(Order.number == "BENCH-1")
            if order is None:
                order = Order.create(user=user, number="BENCH-1", status=OrderStatus.COMPLETED, completed_at=utcnow())
                product = Product.select().order_by(Product.id).first()
                OrderLine.create(order=order, product=product, price=product.price, quantity=10**9)
            line = OrderLine.select().where(OrderLine.order == order).first()

        approved = Listing.select(Listing.id).where(Listing.status == "approved").tuples()
        ids = [row[0] for row in approved]
        rows = list(Listing.select(Listing.name, Listing.description).tuples())
        db.database.close()

    total = len(rows)
    words = Counter()
    texts = []
    for name, description in rows:
        text = f"{name}\n{description}".lower()
        texts.append(text)
        words.update(set(re.findall(r"[a-z][a-z-]+", text)))
    # Candidates near 1%, then check that LIKE '%word%' finds about the same rows.
    candidates = sorted(words, key=lambda w: (abs(words[w] / total - 0.01), w))[:30]
    word, like_share = None, None
    for cand in candidates:
        like = sum(1 for t in texts if cand in t)
        if like <= words[cand] * 1.1:
            word, like_share = cand, like / total
            break
    rnd = random.Random(7)
    # The uncached loads: ~330 different searches (single words of the vocabulary, then pairs
    # of them), and 5,000 random ids drawn afresh each run (bench/run shuffles their order).
    vocabulary = sorted(w for w in words if len(w) > 3 and words[w] >= 2)
    queries = vocabulary[:250]
    pairs = random.Random(11)
    while len(queries) < 330 and len(vocabulary) > 1:
        first, second = pairs.sample(vocabulary, 2)
        queries.append(f"{first} {second}")
    print(
        json.dumps(
            {
                "line_id": line.id,
                "login": BENCH_LOGIN,
                "password": BENCH_PASSWORD,
                "approved": len(ids),
                "listings": total,
                "item_ids": rnd.sample(ids, min(200, len(ids))),  # issue 17: "about 200 ids, warm"
                "many_item_ids": random.Random().sample(ids, min(5000, len(ids))),
                "search_queries": queries,
                "search_word": word,
                "search_share": words[word] / total,
                "search_like_share": like_share,
            }
        )
    )


if __name__ == "__main__":
    main()
