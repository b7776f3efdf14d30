"""Demo data: the contract's accounts, a small catalog with generated pictures, orders,
and on request many synthetic listings for load tests."""

import io
import random
import secrets
from contextlib import contextmanager
from decimal import Decimal

from flask_security import hash_password
from PIL import Image, ImageDraw

from . import lifecycle
from .db import database, insert_rows, is_postgres, next_id, reset_sequence
from .decline_templates import DeclineTemplate
from .listings import Listing, ListingStatus
from .moderation import ModerationEvent
from .orders import Order, OrderLine, OrderStatus, Product
from .photos import Photo, process_image, write_files
from .search import fill_search_index, search_words
from .users import Role, User, UserRoles, utcnow

DEMO_ACCOUNTS = [
    {"username": "admin", "email": "admin@example.com", "password": "admin12345", "note": "role admin"},
    {"username": "alice", "email": "alice@example.com", "password": "alice12345", "note": "customer"},
    {"username": "bob", "email": "bob@example.com", "password": "bob12345", "note": "customer"},
]

CATALOG = [
    (
        "Winter parka, navy",
        "Warm hooded parka with a detachable faux-fur trim. Water-repellent shell.",
        "8990",
        (32, 56, 110),
    ),
    (
        "Running shoes Stride 2",
        "Light running shoes with a cushioned sole and breathable mesh upper.",
        "5490",
        (220, 80, 60),
    ),
    ("Wool scarf, grey", "Soft merino wool scarf, 180 × 30 cm.", "1290", (130, 130, 140)),
    (
        "Leather backpack",
        'Genuine leather backpack with a padded laptop sleeve (15").',
        "7490",
        (120, 72, 40),
    ),
    ("Linen shirt, white", "Relaxed-fit linen shirt with mother-of-pearl buttons.", "2990", (235, 235, 225)),
    ("Denim jeans, slim", "Slim-fit stretch denim, mid-rise, dark wash.", "3990", (40, 70, 120)),
    ("Rain boots, yellow", "Natural rubber rain boots with a cotton lining.", "2490", (240, 200, 40)),
    ("Knitted sweater, green", "Chunky cable-knit sweater made of wool and alpaca.", "4590", (50, 120, 80)),
]

# (owner, number, status, [(catalog index, quantity)])
ORDERS = [
    ("alice", "1001", OrderStatus.COMPLETED, [(0, 1), (2, 3)]),
    ("alice", "1002", OrderStatus.COMPLETED, [(1, 1)]),
    ("alice", "1003", OrderStatus.PAID, [(3, 1)]),
    ("bob", "1004", OrderStatus.COMPLETED, [(4, 2), (5, 1)]),
]


def product_picture(color, seed):
    """A simple generated product picture: a coloured card with a few shapes."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (800, 800), (246, 246, 248))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((80, 80, 720, 720), radius=60, fill=color)
    light = tuple(min(255, c + 60) for c in color)
    for _ in range(5):
        x, y, r = rnd.randint(160, 640), rnd.randint(160, 640), rnd.randint(30, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=light)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def needs_demo_data():
    return not User.select().exists()


def _store_photo(data):
    processed = process_image(data, "product.png")
    stem = write_files(processed)
    return Photo.create(stem=stem, ext=processed.ext, width=processed.width, height=processed.height)


def load_demo_data():
    """Load the demo accounts, catalog and orders; safe to run again."""
    with database().atomic():
        admin_role, _created = Role.get_or_create(name="admin", defaults={"description": "Store administrator"})
        users = {}
        for account in DEMO_ACCOUNTS:
            user = User.get_or_none(User.email == account["email"])
            if user is None:
                user = User.create(
                    email=account["email"],
                    username=account["username"],
                    password=hash_password(account["password"]),
                    fs_uniquifier=secrets.token_hex(16),
                    confirmed_at=utcnow(),
                )
            users[account["username"]] = user
        UserRoles.get_or_create(user=users["admin"], role=admin_role)

        products = []
        for index, (name, description, price, color) in enumerate(CATALOG):
            product = Product.get_or_none(Product.name == name)
            if product is None:
                photo = _store_photo(product_picture(color, index))
                product = Product.create(name=name, description=description, price=Decimal(price), photo=photo)
            products.append(product)

        for days_ago, (owner, number, status, lines) in enumerate(ORDERS):
            if Order.select().where(Order.number == number).exists():
                continue
            placed = utcnow().replace(microsecond=0) - _days(40 - 8 * days_ago, 0)
            order = Order.create(
                user=users[owner],
                number=number,
                status=status,
                created_at=placed,
                completed_at=placed + _days(5, 0) if status == OrderStatus.COMPLETED else None,
            )
            for product_index, quantity in lines:
                product = products[product_index]
                # The customer paid a little more than today's price: prices go down.
                OrderLine.create(order=order, product=product, price=product.price + 500, quantity=quantity)

        # The moderator's common reasons, for declining and for removing, in both languages.
        if not DeclineTemplate.select().exists():
            for position, (title, text) in enumerate(REASON_TEMPLATES, start=1):
                DeclineTemplate.create(title=title, text=text, position=position)
    return users


REASON_TEMPLATES = (
    ("Decline: no photo of the item", "Please add a photo of the item itself, not the catalog picture."),
    ("Отклонить: нет фото вещи", "Добавьте, пожалуйста, фотографию самой вещи, а не картинку из каталога."),
    ("Decline: no contacts", "Say in the description how buyers can reach you (phone, Telegram or email)."),
    ("Отклонить: нет контактов", "Укажите в описании, как с вами связаться: телефон, Telegram или почту."),
    ("Remove: prohibited item", "This item may not be sold on the flea market."),
    ("Удалить: запрещённый товар", "Этот товар нельзя продавать на барахолке."),
    ("Remove: spam", "Listings that advertise other shops or services are not allowed."),
    ("Удалить: спам", "Объявления с рекламой других магазинов и услуг запрещены."),
)


# A vocabulary of well over 100 words, so that any one word is in about 1% of
# synthetic listings, as in a real catalog.
ADJECTIVES = (
    "cosy warm light heavy soft classic modern vintage sporty elegant casual formal slim loose long short "
    "quilted padded knitted woven striped checked dotted plain bright pale dark rich muted glossy matte "
    "rugged delicate roomy compact sturdy airy stretchy crisp smooth textured fluffy sleek chunky cropped "
    "oversized tailored relaxed fitted layered lined unlined hooded belted pleated ribbed embroidered printed "
    "washed distressed waxed brushed polished suede-look reversible convertible foldable packable breathable "
    "waterproof windproof insulated thermal seamless ergonomic minimalist retro urban alpine coastal rustic "
    "festive everyday weekend travel office evening summer winter autumn spring"
).split()
NOUNS = (
    "parka coat jacket blazer vest cardigan sweater hoodie sweatshirt shirt blouse tunic dress skirt trousers "
    "jeans shorts leggings jumpsuit overalls pyjamas robe scarf shawl hat beanie cap beret gloves mittens "
    "belt tie socks tights boots sneakers loafers sandals slippers heels pumps brogues moccasins backpack "
    "handbag tote clutch wallet purse suitcase duffel umbrella sunglasses watch bracelet necklace earrings "
    "ring brooch pendant keychain lamp kettle toaster blender mixer teapot mug plate bowl vase cushion "
    "blanket duvet pillow towel rug curtain mirror clock frame candle basket shelf stool chair table desk "
    "bookcase wardrobe dresser bicycle helmet skateboard scooter tent sleeping-bag thermos headphones speaker"
).split()
COLOURS = (
    "black white grey navy blue teal green olive khaki beige sand brown rust red burgundy pink coral orange "
    "mustard yellow lilac purple plum ivory charcoal"
).split()
MATERIALS = (
    "cotton linen wool merino cashmere alpaca silk satin velvet corduroy denim leather suede nylon polyester "
    "fleece tweed jersey canvas bamboo oak walnut ceramic porcelain glass steel brass copper rattan"
).split()
CITIES = (
    "Moscow Kazan Samara Tver Tula Omsk Perm Ufa Sochi Kirov Penza Kursk Orel Vologda Yaroslavl Ryazan Kaluga "
    "Smolensk Pskov Murmansk Tomsk Irkutsk Chita Barnaul Saratov Volgograd Astrakhan Kostroma Ivanovo Vladimir"
).split()
VOCABULARY = sorted(set(ADJECTIVES + NOUNS + COLOURS + MATERIALS + CITIES))


def _synthetic_text(rnd):
    adjective, colour, noun = rnd.choice(ADJECTIVES), rnd.choice(COLOURS), rnd.choice(NOUNS)
    name = f"{adjective.capitalize()} {colour} {noun}"
    description = (
        f"{rnd.choice(ADJECTIVES).capitalize()} {rnd.choice(NOUNS)} made of {rnd.choice(MATERIALS)}, "
        f"worn a couple of times. Pick-up in {rnd.choice(CITIES)} or delivery by post.\n"
        f"Contacts: +7 900 {rnd.randint(100, 999)}-{rnd.randint(10, 99)}-{rnd.randint(10, 99)}"
    )
    return name, description


# From this many listings on, the indexes of the loaded tables are built after the load.
REBUILD_SEARCH_INDEX_OVER = 10000
LOADED_TABLES = ("order", "orderline", "listing", "moderationevent")


@contextmanager
def _indexes_built_after(tables, active=True):
    """Drop the secondary indexes of `tables` (and SQLite's full-text insert trigger) for
    the block, then build them again, inside the caller's transaction.

    Building an index once over the loaded rows is several times faster than updating
    it row by row during a large load (PostgreSQL's full-text GIN index above all).
    Indexes that back a constraint (primary keys) stay. A failed load rolls the drops
    back with everything else.
    """
    if not active:
        yield
        return
    real = database()
    names = list(tables)
    if is_postgres():
        indexes = real.execute_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (names,),
        ).fetchall()
        trigger = None
    else:
        marks = ", ".join("?" * len(names))
        indexes = real.execute_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            names,
        ).fetchall()
        trigger = real.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'listing_fts_insert'"
        ).fetchone()
    for name, _sql in indexes:
        real.execute_sql(f'DROP INDEX "{name}"')
    if trigger:
        real.execute_sql("DROP TRIGGER listing_fts_insert")
    yield
    for _name, sql in indexes:
        real.execute_sql(sql)
    if trigger:
        real.execute_sql(trigger[0])
        # The full-text table (public listings only) indexed again from `listing`, in one pass.
        fill_search_index()


def generate_listings(count, progress=None, seed=None, batch=2000):
    """Bulk-insert `count` synthetic listings (about 90% approved) with their orders and events."""
    rnd = random.Random(seed)
    products = list(Product.select())
    if not products:
        load_demo_data()
        products = list(Product.select())
    sellers = _synthetic_sellers(max(20, min(2000, count // 50)))
    other_statuses = ["moderation", "declined", "withdrawn", "expired", "removed", "sold"]
    done = 0
    large = count >= REBUILD_SEARCH_INDEX_OVER
    with database().atomic(), _indexes_built_after(LOADED_TABLES, large):
        while done < count:
            size = min(batch, count - done)
            order_id, line_id = next_id(Order), next_id(OrderLine)
            now = utcnow()
            orders, lines, listings = [], [], []
            for i in range(size):
                seller = rnd.choice(sellers)
                product = rnd.choice(products)
                bought = rnd.randint(1, 3)
                when = now.replace(microsecond=0) - _days(rnd.randint(0, 700), rnd.randint(0, 86399))
                orders.append((order_id + i, seller, f"S{order_id + i:08d}", OrderStatus.COMPLETED, when, when))
                lines.append((line_id + i, order_id + i, product.id, product.price, bought))
                name, description = _synthetic_text(rnd)
                status = "approved" if rnd.random() < 0.9 else rnd.choice(other_statuses)
                price = Decimal(rnd.randint(200, 20000)) + Decimal(rnd.choice([0, 0, 0, 50, 90])) / 100
                listings.append(
                    {
                        "owner": seller,
                        "order_line": line_id + i,
                        "name": name,
                        "description": description,
                        "price": price,
                        "quantity": rnd.randint(1, bought),
                        "status": status,
                        "created_at": when,
                        "updated_at": when,
                    }
                )
            insert_rows(
                Order, [Order.id, Order.user, Order.number, Order.status, Order.created_at, Order.completed_at], orders
            )
            insert_rows(
                OrderLine,
                [OrderLine.id, OrderLine.order, OrderLine.product, OrderLine.price, OrderLine.quantity],
                lines,
            )
            bulk_import_listings(listings)
            done += size
            if progress:
                progress(size)
        reset_sequence(Order)
        reset_sequence(OrderLine)
    # Fresh statistics, or SQLite's planner walks a whole index for a handful of ids.
    _analyze()
    return done


def _analyze():
    """ANALYZE; on PostgreSQL, outside a transaction, VACUUM ANALYZE.

    VACUUM also marks the freshly loaded pages all-visible, so counts can read an
    index alone: the admin list's COUNT(*) of 100,000 listings took ~100 ms as a scan
    of the table, ~13 ms after it. (Autovacuum gets there too, minutes later.)
    """
    real = database()
    if not is_postgres() or real.in_transaction():
        real.execute_sql("ANALYZE")
        return
    connection = real.connection()
    real.commit()  # the driver's implicit transaction, if one is open
    autocommit = connection.autocommit
    connection.autocommit = True  # VACUUM refuses to run inside a transaction block
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.autocommit = autocommit


def _days(days, seconds):
    import datetime as dt

    return dt.timedelta(days=days, seconds=seconds)


def _synthetic_sellers(count):
    """Synthetic seller accounts (seller0001...), sharing one password hash for speed."""
    existing = [u.id for u in User.select(User.id).where(User.username.startswith("seller")).limit(count)]
    missing = count - len(existing)
    if missing > 0:
        password = hash_password("seller12345")
        start = len(existing) + 1
        rows = []
        for n in range(start, start + missing):
            login = f"seller{n:04d}"
            if User.select().where(User.username == login).exists():
                continue
            rows.append(
                {
                    "email": f"{login}@example.com",
                    "username": login,
                    "password": password,
                    "fs_uniquifier": secrets.token_hex(16),
                    "confirmed_at": utcnow(),
                }
            )
        for i in range(0, len(rows), 500):
            User.insert_many(rows[i : i + 500]).execute()
        existing = [u.id for u in User.select(User.id).where(User.username.startswith("seller")).limit(count)]
    return existing


DEMO_DECLINE_REASON = "Please add a photo of the label."


def _product_names(line_ids):
    """{order line id: its product's name}, for the listings' search words."""
    line_ids, names = sorted(line_ids), {}
    for i in range(0, len(line_ids), 2000):
        chunk = line_ids[i : i + 2000]
        query = OrderLine.select(OrderLine.id, Product.name).join(Product).where(OrderLine.id.in_(chunk))
        names.update(query.tuples())
    return names


def bulk_import_listings(rows):
    """Insert many listings at once with their moderation events (demo and load-test data).

    Each row is a dict of Listing fields including `status`. The lifecycle says
    which moves lead to that status (`lifecycle.event_chain`), and each row gets
    those events and the version they would have given it, so the log and the
    versions read as if every listing had been made through the pages. No
    quantity checks: the caller brings consistent lines.
    """
    first_id = next_id(Listing)
    listings, events = [], []
    chains = {}
    product_names = _product_names({row["order_line"] for row in rows})
    for offset, row in enumerate(rows):
        listing_id = first_id + offset
        row = dict(row, id=listing_id)
        row["search_text"] = search_words(row["name"], row["description"], product_names.get(row["order_line"]))
        status = row["status"]
        chain = chains.get(status) or chains.setdefault(status, lifecycle.event_chain(status))
        if any(action == "approve" for action, *_rest in chain):
            row["published_at"] = row.get("published_at") or row["created_at"]
            row["approved_snapshot"] = lifecycle.snapshot(row)
        if status == ListingStatus.APPROVED:
            # A full LISTING_DAYS from now: a listing just brought in is not expired at the next run.
            row["expires_at"] = row.get("expires_at") or lifecycle.expiry_after(utcnow())
        if status == ListingStatus.DECLINED:
            row["decline_reason"] = row.get("decline_reason") or DEMO_DECLINE_REASON
        row["version"] = len(chain)
        listings.append(row)
        for action, by, from_status, to_status in chain:
            actor = row["owner"] if by == lifecycle.OWNER else None
            reason = row.get("decline_reason") if action == "decline" else None
            events.append((listing_id, actor, action, from_status, to_status, reason, row["created_at"]))
    columns = sorted({key for row in listings for key in row})
    insert_rows(Listing, [getattr(Listing, c) for c in columns], [[row.get(c) for c in columns] for row in listings])
    fields = [
        ModerationEvent.listing,
        ModerationEvent.actor,
        ModerationEvent.action,
        ModerationEvent.from_status,
        ModerationEvent.to_status,
        ModerationEvent.reason,
        ModerationEvent.created_at,
    ]
    insert_rows(ModerationEvent, fields, events)
    reset_sequence(Listing)
    return len(listings)
