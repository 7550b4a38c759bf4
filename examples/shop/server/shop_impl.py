"""The shop's implementation: every function of examples/shop on SQLite.

It needs only the standard library and `mizan-runtime`: results are plain
dicts, lists and values (the runtime encodes them by the spec's types), so
the same module serves the FastAPI and the Django server of the shop,
whatever their generated package is called. `open_database()` creates the
tables the spec's models declare and fills them with sample data.
"""

from __future__ import annotations

import datetime
import decimal
import sqlite3
import threading
import uuid
from typing import Any

from mizan_runtime.auth import Identity
from mizan_runtime.dispatch import MizanError

Row = dict[str, Any]
UTC = datetime.UTC
NOW = datetime.datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
LOW_STOCK = 5

SCHEMA = """
create table shop_category (id integer primary key, slug text unique, name text,
    position integer, parent_id integer references shop_category(id));
create table shop_product (id integer primary key, slug text unique, name text,
    description text, price text, currency text, stock integer, published_at text,
    category_id integer references shop_category(id));
create table shop_product_image (id integer primary key, url text, width integer,
    height integer, alt text, position integer, product_id integer references shop_product(id));
create table shop_customer (id integer primary key, email text unique, display_name text,
    avatar_url text, website text, marketing_opt_in integer, created_at text,
    password text, is_staff integer, role text);
create table shop_address (id integer primary key, customer_id integer, recipient text,
    line1 text, line2 text, postal_code text, city text, country text);
create table shop_review (id integer primary key, rating integer, title text, body text,
    created_at text, approved integer, product_id integer, author_id integer);
create table shop_order (id integer primary key, status text, placed_at text, total text,
    currency text, customer_id integer, address_id integer, payment_method text,
    tracking_url text);
create table shop_order_item (id integer primary key, quantity integer, unit_price text,
    order_id integer, product_id integer);
create table shop_order_event (id integer primary key, order_id integer, at text,
    status text, note text);
create table shop_stock (warehouse_id integer, product_id integer, on_hand integer,
    reserved integer, primary key (warehouse_id, product_id));
create table shop_newsletter (email text primary key, locale text);
create table shop_featured (product_id integer primary key, position integer);
"""

CATEGORIES = [
    (1, "kitchen", "Kitchen", 1, None),
    (2, "garden", "Garden", 2, None),
    (3, "knives", "Knives", 1, 1),
]
PRODUCTS = [
    (1, "chef-knife", "Chef's knife", "A 20 cm forged steel blade.", "89.90", 3, 3),
    (2, "cutting-board", "Oak cutting board", "End-grain oak, oiled.", "45.00", 12, 1),
    (3, "espresso-pot", "Espresso pot", "Six cups, aluminium.", "32.50", 40, 1),
    (4, "watering-can", "Watering can", "Ten litres, galvanised.", "27.00", 0, 2),
    (5, "pruning-shears", "Pruning shears", "Bypass blades for green wood.", "24.90", 8, 2),
]
CUSTOMERS = [
    (1, "ada@example.com", "Ada", None, "https://ada.example", 1, "pw-ada", 0, "customer"),
    (2, "grace@example.com", "Grace", None, None, 0, "pw-grace", 1, "admin"),
]


def open_database(path: str = ":memory:") -> sqlite3.Connection:
    """The shop's database, created with its sample data when empty."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    if db.execute("select count(*) from sqlite_master").fetchone()[0] == 0:
        db.executescript(SCHEMA)
        seed(db)
    return db


def seed(db: sqlite3.Connection) -> None:
    stamp = NOW.isoformat()
    db.executemany("insert into shop_category values (?, ?, ?, ?, ?)", CATEGORIES)
    for pid, slug, name, text, price, stock, category in PRODUCTS:
        db.execute("insert into shop_product values (?, ?, ?, ?, ?, 'EUR', ?, ?, ?)",
                   (pid, slug, name, text, price, stock, stamp, category))
        db.execute("insert into shop_product_image values (?, ?, 800, 600, ?, 1, ?)",
                   (pid, f"https://img.example/{slug}.jpg", name, pid))
        db.execute("insert into shop_stock values (1, ?, ?, 0)", (pid, stock))
    for cid, email, name, avatar, site, opt_in, password, staff, role in CUSTOMERS:
        db.execute("insert into shop_customer values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (cid, email, name, avatar, site, opt_in, stamp, password, staff, role))
    db.execute("insert into shop_address values (1, 1, 'Ada Lovelace', '12 Rue des Lilas', "
               "null, '75011', 'Paris', 'FR')")
    db.executemany("insert into shop_review values (?, ?, ?, ?, ?, 1, 1, 1)", [
        (1, 5, "Sharp for years", "Still the sharpest knife in the drawer.", stamp),
        (2, 4, "Heavy but good", "A little heavy for small hands, otherwise perfect.", stamp),
    ])
    db.executemany("insert into shop_featured values (?, ?)", [(1, 1), (3, 2)])


def money(amount: decimal.Decimal, currency: str = "EUR") -> Row:
    return {"amount": amount, "currency": currency}


def moment(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


class ShopService:
    """Implements every function of the shop spec (see the module docstring)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.lock = threading.Lock()  # one writer at a time on the shared connection
        self.carts: dict[uuid.UUID, dict[int, int]] = {}

    # --- reading helpers -------------------------------------------------------
    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def row(self, sql: str, *args: Any, what: str = "record") -> sqlite3.Row:
        found = self.rows(sql, *args)
        if not found:
            raise MizanError("not_found", {what: str(args[0]) if args else None})
        return found[0]

    def write(self, sql: str, *args: Any) -> int:
        with self.lock:
            return self.db.execute(sql, args).lastrowid or 0

    def link(self, category_id: int) -> Row:
        row = self.row("select id, slug, name from shop_category where id = ?", category_id,
                       what="category")
        return {"id": row["id"], "slug": row["slug"], "name": row["name"]}

    def images(self, product_id: int) -> list[Row]:
        return [{"url": r["url"], "width": r["width"], "height": r["height"], "alt": r["alt"]}
                for r in self.rows("select * from shop_product_image where product_id = ? "
                                   "order by position, id", product_id)]

    def card(self, product: sqlite3.Row) -> Row:
        return {
            "id": product["id"],
            "slug": product["slug"],
            "name": product["name"],
            "price": decimal.Decimal(product["price"]),
            "currency": product["currency"],
            "category": self.link(product["category_id"]),
            "images": self.images(product["id"]),
        }

    def product(self, product_id: int) -> sqlite3.Row:
        return self.row("select * from shop_product where id = ?", product_id, what="product")

    def cards(self, sql: str, *args: Any) -> list[Row]:
        return [self.card(p) for p in self.rows(sql, *args)]

    @staticmethod
    def own(caller: Any, customer_id: int) -> None:
        """A customer's data is theirs (and staff's) only."""
        claims = caller.claims or {}
        if caller.subject != str(customer_id) and not claims.get("is_staff"):
            raise MizanError("forbidden")

    # --- auth hooks ------------------------------------------------------------
    def authenticate(self, credentials: Any) -> Identity | None:
        if not isinstance(credentials, dict):
            return None
        found = self.rows("select * from shop_customer where email = ? and password = ?",
                          credentials.get("email"), credentials.get("password"))
        return None if not found else self.identity(found[0])

    def identity_of(self, subject: str) -> Identity | None:
        found = self.rows("select * from shop_customer where id = ?", int(subject))
        return None if not found else self.identity(found[0])

    @staticmethod
    def identity(customer: sqlite3.Row) -> Identity:
        return Identity(str(customer["id"]), {"is_staff": bool(customer["is_staff"]),
                                              "role": customer["role"]})

    # --- catalog ---------------------------------------------------------------
    def health(self, caller: Any) -> str:
        self.rows("select 1")
        return "ok"

    def featured_products(self, caller: Any) -> list[Row]:
        return self.cards("select p.* from shop_product p join shop_featured f "
                          "on f.product_id = p.id order by f.position")

    def navigation(self, caller: Any) -> list[Row]:
        return [self.link(r["id"]) for r in self.rows(
            "select id from shop_category where parent_id is null order by position")]

    def banners(self, caller: Any) -> list[Row]:
        return [{"title": "Winter sale", "link": "/sale",
                 "image": {"url": "https://img.example/sale.jpg", "width": 1200,
                           "height": 400, "alt": "Winter sale"}}]

    def category_page(self, caller: Any, *, category_id: int) -> Row:
        category = self.link(category_id)
        trail, parent = [], self.row("select parent_id from shop_category where id = ?",
                                     category_id)["parent_id"]
        while parent is not None:
            trail.insert(0, self.link(parent))
            parent = self.row("select parent_id from shop_category where id = ?",
                              parent)["parent_id"]
        children = [self.link(r["id"]) for r in self.rows(
            "select id from shop_category where parent_id = ? order by position", category_id)]
        count = self.rows("select count(*) as n from shop_product where category_id = ?",
                          category_id)[0]["n"]
        return {"category": category, "breadcrumbs": trail, "children": children,
                "product_count": count}

    def category_products(self, caller: Any, *, category_id: int) -> list[Row]:
        self.link(category_id)
        return self.cards("select * from shop_product where category_id = ? "
                          "order by published_at desc, id", category_id)

    def stock_status(self, product: sqlite3.Row) -> str:
        if product["stock"] <= 0:
            return "out_of_stock"
        return "low_stock" if product["stock"] < LOW_STOCK else "in_stock"

    def product_detail(self, caller: Any, *, product_id: int) -> Row:
        product = self.product(product_id)
        summary = self.rating_summary(caller, product_id=product_id)
        return {
            "card": self.card(product),
            "description": product["description"],
            "images": self.images(product_id),
            "attributes": {"currency": product["currency"]},
            "stock": self.stock_status(product),
            "rating": summary["average"],
            "review_count": summary["count"],
        }

    def related_products(self, caller: Any, *, product_id: int) -> list[Row]:
        product = self.product(product_id)
        return self.cards("select * from shop_product where category_id = ? and id != ? "
                          "order by id", product["category_id"], product_id)

    def search_products(self, caller: Any, *, query: str, category_id: int | None,
                        sort: Any, page: int, page_size: int) -> Row:
        if page < 1 or not 1 <= page_size <= 100:
            raise MizanError("invalid_arguments", {"page": "out of range"})
        order = {"price_asc": "cast(price as real)", "price_desc": "cast(price as real) desc",
                 "newest": "published_at desc"}.get(getattr(sort, "name", sort), "name")
        where, args = "(name like ? or description like ?)", [f"%{query}%", f"%{query}%"]
        if category_id is not None:
            where, args = where + " and category_id = ?", [*args, category_id]
        found = self.rows(f"select * from shop_product where {where} order by {order}, id",
                          *args)
        chunk = found[(page - 1) * page_size: page * page_size]
        counts: dict[str, int] = {}
        for product in found:
            slug = self.link(product["category_id"])["slug"]
            counts[slug] = counts.get(slug, 0) + 1
        return {
            "items": [self.card(p) for p in chunk],
            "page": {"page": page, "page_size": page_size, "total": len(found),
                     "has_next": page * page_size < len(found)},
            "facets": {"category": [{"value": k, "count": v} for k, v in sorted(counts.items())]},
        }

    def suggest_products(self, caller: Any, *, prefix: str, limit: int) -> list[str]:
        return [r["name"] for r in self.rows(
            "select name from shop_product where name like ? order by name limit ?",
            f"{prefix}%", max(0, limit))]

    def stock_level(self, caller: Any, *, warehouse_id: int, product_id: int) -> Row:
        row = self.row("select * from shop_stock where warehouse_id = ? and product_id = ?",
                       warehouse_id, product_id, what="warehouse_id")
        return self.level(row)

    def level(self, row: sqlite3.Row) -> Row:
        free = row["on_hand"] - row["reserved"]
        status = "out_of_stock" if free <= 0 else "low_stock" if free < LOW_STOCK else "in_stock"
        return {"warehouse_id": row["warehouse_id"], "product_id": row["product_id"],
                "on_hand": row["on_hand"], "reserved": row["reserved"], "status": status}

    # --- customers and reviews ---------------------------------------------------
    def addresses(self, customer_id: int) -> list[Row]:
        return [{k: r[k] for k in ("id", "recipient", "line1", "line2", "postal_code", "city",
                                   "country")}
                for r in self.rows("select * from shop_address where customer_id = ? "
                                   "order by id", customer_id)]

    def customer_profile(self, caller: Any, *, customer_id: int) -> Row:
        self.own(caller, customer_id)
        c = self.row("select * from shop_customer where id = ?", customer_id, what="customer")
        avatar = None if c["avatar_url"] is None else {
            "url": c["avatar_url"], "width": 256, "height": 256, "alt": c["display_name"]}
        return {"id": c["id"], "email": c["email"], "display_name": c["display_name"],
                "avatar": avatar, "website": c["website"],
                "marketing_opt_in": bool(c["marketing_opt_in"]),
                "addresses": self.addresses(customer_id)}

    def customer_addresses(self, caller: Any, *, customer_id: int) -> list[Row]:
        self.own(caller, customer_id)
        return self.addresses(customer_id)

    def review(self, r: sqlite3.Row) -> Row:
        author = self.row("select id, display_name from shop_customer where id = ?",
                          r["author_id"])
        return {"id": r["id"], "rating": r["rating"], "title": r["title"], "body": r["body"],
                "created_at": moment(r["created_at"]),
                "author": {"id": author["id"], "display_name": author["display_name"]}}

    def product_reviews(self, caller: Any, *, product_id: int) -> list[Row]:
        return [self.review(r) for r in self.rows(
            "select * from shop_review where product_id = ? and approved = 1 order by id",
            product_id)]

    def rating_summary(self, caller: Any, *, product_id: int) -> Row:
        ratings = [r["rating"] for r in self.rows(
            "select rating from shop_review where product_id = ? and approved = 1", product_id)]
        histogram = {str(stars): ratings.count(stars) for stars in range(1, 6)}
        average = round(sum(ratings) / len(ratings), 2) if ratings else None
        return {"average": average, "count": len(ratings), "histogram": histogram}

    def update_profile(self, caller: Any, *, customer_id: int, display_name: str, email: str,
                       website: str | None, marketing_opt_in: bool) -> Row:
        self.own(caller, customer_id)
        self.write("update shop_customer set display_name = ?, email = ?, website = ?, "
                   "marketing_opt_in = ? where id = ?", display_name, email, website,
                   int(marketing_opt_in), customer_id)
        return self.customer_profile(caller, customer_id=customer_id)

    def add_address(self, caller: Any, *, customer_id: int, recipient: str, line1: str,
                    line2: str | None, postal_code: str, city: str, country: str) -> Row:
        self.own(caller, customer_id)
        new = self.write("insert into shop_address (customer_id, recipient, line1, line2, "
                         "postal_code, city, country) values (?, ?, ?, ?, ?, ?, ?)",
                         customer_id, recipient, line1, line2, postal_code, city, country)
        return next(a for a in self.addresses(customer_id) if a["id"] == new)

    def remove_address(self, caller: Any, *, customer_id: int, address_id: int) -> None:
        self.own(caller, customer_id)
        self.write("delete from shop_address where id = ? and customer_id = ?", address_id,
                   customer_id)

    def upload_avatar(self, caller: Any, *, customer_id: int, avatar: Any) -> Row:
        self.own(caller, customer_id)
        url = f"https://img.example/avatars/{customer_id}-{len(avatar.data)}"
        self.write("update shop_customer set avatar_url = ? where id = ?", url, customer_id)
        return {"url": url, "width": 256, "height": 256, "alt": None}

    def post_review(self, caller: Any, *, product_id: int, customer_id: int, rating: int,
                    title: str, body: str) -> Row:
        self.own(caller, customer_id)
        self.product(product_id)
        if not 1 <= rating <= 5:
            raise MizanError("invalid_arguments", {"rating": "1 to 5 stars"})
        new = self.write("insert into shop_review (rating, title, body, created_at, approved, "
                         "product_id, author_id) values (?, ?, ?, ?, 0, ?, ?)", rating, title,
                         body, NOW.isoformat(), product_id, customer_id)
        return self.review(self.row("select * from shop_review where id = ?", new))

    def subscribe_newsletter(self, caller: Any, *, email: str, locale: str) -> None:
        self.write("insert or replace into shop_newsletter values (?, ?)", email, locale)

    # --- cart and orders ---------------------------------------------------------
    def cart(self, cart_id: uuid.UUID) -> Row:
        lines, subtotal = [], decimal.Decimal("0.00")
        for product_id, quantity in sorted(self.carts.get(cart_id, {}).items()):
            product = self.product(product_id)
            price = decimal.Decimal(product["price"])
            subtotal += price * quantity
            lines.append({"product": self.card(product), "quantity": quantity,
                          "unit_price": money(price), "line_total": money(price * quantity)})
        return {"id": cart_id, "lines": lines, "subtotal": money(subtotal),
                "item_count": sum(line["quantity"] for line in lines)}

    def cart_contents(self, caller: Any, *, cart_id: uuid.UUID) -> Row:
        return self.cart(cart_id)

    def cart_count(self, caller: Any, *, cart_id: uuid.UUID) -> int:
        return sum(self.carts.get(cart_id, {}).values())

    def add_to_cart(self, caller: Any, *, cart_id: uuid.UUID, product_id: int,
                    quantity: int) -> Row:
        self.product(product_id)
        if quantity < 1:
            raise MizanError("invalid_arguments", {"quantity": "at least 1"})
        lines = self.carts.setdefault(cart_id, {})
        lines[product_id] = lines.get(product_id, 0) + quantity
        return self.cart(cart_id)

    def update_cart_line(self, caller: Any, *, cart_id: uuid.UUID, product_id: int,
                         quantity: int) -> Row:
        lines = self.carts.setdefault(cart_id, {})
        if quantity <= 0:
            lines.pop(product_id, None)
        else:
            self.product(product_id)
            lines[product_id] = quantity
        return self.cart(cart_id)

    def remove_from_cart(self, caller: Any, *, cart_id: uuid.UUID, product_id: int) -> Row:
        self.carts.get(cart_id, {}).pop(product_id, None)
        return self.cart(cart_id)

    def shipping_quote(self, caller: Any, *, cart_id: uuid.UUID, country: str,
                       postal_code: str) -> Row:
        subtotal = self.cart(cart_id)["subtotal"]["amount"]
        if subtotal >= 100:
            return money(decimal.Decimal("0.00"))
        return money(decimal.Decimal("4.90" if country == "FR" else "12.00"))

    def order_row(self, order: sqlite3.Row) -> Row:
        items = [{"id": i["id"], "quantity": i["quantity"],
                  "unit_price": decimal.Decimal(i["unit_price"]),
                  "product": self.card(self.product(i["product_id"]))}
                 for i in self.rows("select * from shop_order_item where order_id = ? "
                                    "order by id", order["id"])]
        return {"id": order["id"], "status": order["status"],
                "placed_at": moment(order["placed_at"]), "total": decimal.Decimal(order["total"]),
                "currency": order["currency"], "items": items}

    def detail(self, order_id: int) -> Row:
        order = self.row("select * from shop_order where id = ?", order_id, what="order")
        address = next(a for a in self.addresses(order["customer_id"])
                       if a["id"] == order["address_id"])
        timeline = [{"at": moment(e["at"]), "status": e["status"], "note": e["note"]}
                    for e in self.rows("select * from shop_order_event where order_id = ? "
                                       "order by id", order_id)]
        return {"order": self.order_row(order), "shipping_address": address,
                "payment_method": order["payment_method"], "tracking_url": order["tracking_url"],
                "timeline": timeline}

    def event(self, order_id: int, status: str, note: str | None = None) -> None:
        self.write("update shop_order set status = ? where id = ?", status, order_id)
        self.write("insert into shop_order_event (order_id, at, status, note) "
                   "values (?, ?, ?, ?)", order_id, datetime.datetime.now(UTC).isoformat(),
                   status, note)

    def order_detail(self, caller: Any, *, customer_id: int, order_id: int) -> Row:
        self.own(caller, customer_id)
        self.row("select id from shop_order where id = ? and customer_id = ?", order_id,
                 customer_id, what="order")
        return self.detail(order_id)

    def order_history(self, caller: Any, *, customer_id: int) -> list[Row]:
        self.own(caller, customer_id)
        return [self.order_row(o) for o in self.rows(
            "select * from shop_order where customer_id = ? order by id desc", customer_id)]

    def checkout(self, caller: Any, *, cart_id: uuid.UUID, customer_id: int,
                 shipping_address_id: int, payment_method: Any, gift_wrap: bool,
                 delivery_date: datetime.date | None, notes: str | None) -> Row:
        self.own(caller, customer_id)
        cart = self.cart(cart_id)
        if not cart["lines"]:
            raise MizanError("invalid_arguments", {"cart_id": "the cart is empty"})
        if all(a["id"] != shipping_address_id for a in self.addresses(customer_id)):
            raise MizanError("not_found", {"address": str(shipping_address_id)})
        order_id = self.write(
            "insert into shop_order (status, placed_at, total, currency, customer_id, "
            "address_id, payment_method) values ('pending', ?, ?, 'EUR', ?, ?, ?)",
            datetime.datetime.now(UTC).isoformat(), str(cart["subtotal"]["amount"]),
            customer_id, shipping_address_id, getattr(payment_method, "name", payment_method))
        for line in cart["lines"]:
            self.write("insert into shop_order_item (quantity, unit_price, order_id, "
                       "product_id) values (?, ?, ?, ?)", line["quantity"],
                       str(line["unit_price"]["amount"]), order_id, line["product"]["id"])
            self.write("update shop_stock set reserved = reserved + ? where warehouse_id = 1 "
                       "and product_id = ?", line["quantity"], line["product"]["id"])
        self.event(order_id, "pending", notes)
        self.carts.pop(cart_id, None)
        return self.detail(order_id)

    def cancel_order(self, caller: Any, *, customer_id: int, order_id: int,
                     reason: str | None) -> Row:
        detail = self.order_detail(caller, customer_id=customer_id, order_id=order_id)
        if detail["order"]["status"] not in ("pending", "paid"):
            raise MizanError("forbidden")
        self.event(order_id, "cancelled", reason)
        return self.detail(order_id)

    # --- back office -------------------------------------------------------------
    def sales_dashboard(self, caller: Any) -> Row:
        orders = self.rows("select * from shop_order where status != 'cancelled'")
        revenue = sum((decimal.Decimal(o["total"]) for o in orders), decimal.Decimal("0.00"))
        average = money(revenue / len(orders)) if orders else None
        return {"revenue_today": money(revenue), "orders_today": len(orders),
                "average_basket": average, "revenue_by_currency": {"EUR": money(revenue)},
                "top_products": self.featured_products(caller)}

    def low_stock_report(self, caller: Any) -> list[Row]:
        return [self.level(r) for r in self.rows(
            "select * from shop_stock where on_hand - reserved < ? order by product_id",
            LOW_STOCK)]

    def pending_orders(self, caller: Any) -> list[Row]:
        return [self.order_row(o) for o in self.rows(
            "select * from shop_order where status = 'pending' order by id")]

    def update_product(self, caller: Any, *, product_id: int, category_id: int, name: str,
                       description: str, price: decimal.Decimal) -> Row:
        self.product(product_id)
        self.link(category_id)
        self.write("update shop_product set category_id = ?, name = ?, description = ?, "
                   "price = ? where id = ?", category_id, name, description, str(price),
                   product_id)
        return self.card(self.product(product_id))

    def upload_product_image(self, caller: Any, *, product_id: int, image: Any,
                             alt: str | None) -> Row:
        self.product(product_id)
        url = f"https://img.example/products/{product_id}-{len(image.data)}"
        self.write("insert into shop_product_image (url, width, height, alt, position, "
                   "product_id) values (?, 800, 600, ?, 99, ?)", url, alt, product_id)
        return {"url": url, "width": 800, "height": 600, "alt": alt}

    def adjust_stock(self, caller: Any, *, warehouse_id: int, product_id: int, delta: int,
                     reason: str | None) -> Row:
        self.stock_level(caller, warehouse_id=warehouse_id, product_id=product_id)
        self.write("update shop_stock set on_hand = max(0, on_hand + ?) where warehouse_id = ? "
                   "and product_id = ?", delta, warehouse_id, product_id)
        self.write("update shop_product set stock = max(0, stock + ?) where id = ?", delta,
                   product_id)
        return self.stock_level(caller, warehouse_id=warehouse_id, product_id=product_id)

    def receive_shipment(self, caller: Any, *, warehouse_id: int, reference: str) -> None:
        if not reference.strip():
            raise MizanError("invalid_arguments", {"reference": "empty"})
        self.write("update shop_stock set on_hand = on_hand + 10 where warehouse_id = ?",
                   warehouse_id)

    def set_featured_products(self, caller: Any, *, product_ids: list[int]) -> None:
        for product_id in product_ids:
            self.product(product_id)
        self.write("delete from shop_featured")
        for position, product_id in enumerate(product_ids, 1):
            self.write("insert or ignore into shop_featured values (?, ?)", product_id, position)

    def publish_price_list(self, caller: Any, *, price_list_id: int,
                           effective_at: datetime.datetime | None) -> int:
        if price_list_id != 1:
            raise MizanError("not_found", {"price_list": str(price_list_id)})
        return len(self.rows("select id from shop_product"))

    def reindex_search(self, caller: Any) -> int:
        return len(self.rows("select id from shop_product"))

    def ship_order(self, caller: Any, *, order_id: int, buyer_id: int, carrier: str,
                   tracking_number: str) -> Row:
        self.row("select id from shop_order where id = ? and customer_id = ?", order_id,
                 buyer_id, what="order")
        self.write("update shop_order set tracking_url = ? where id = ?",
                   f"https://track.example/{carrier}/{tracking_number}", order_id)
        self.event(order_id, "shipped", carrier)
        return self.detail(order_id)

    def refund_order(self, caller: Any, *, order_id: int, amount: decimal.Decimal,
                     note: str | None) -> Row:
        detail = self.detail(order_id)
        if not 0 < amount <= detail["order"]["total"]:
            raise MizanError("invalid_arguments", {"amount": "0 < amount <= total"})
        self.event(order_id, "refunded", note)
        return self.detail(order_id)

    def moderate_review(self, caller: Any, *, review_id: int, approved: bool) -> None:
        self.row("select id from shop_review where id = ?", review_id, what="review")
        self.write("update shop_review set approved = ? where id = ?", int(approved), review_id)
