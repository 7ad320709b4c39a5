"""Deterministic generation of shop data, inserted in bulk, and its removal.

Same seed, same rows: every random choice comes from one ``random.Random(seed)``, drawn in a
fixed order, and every timestamp from a fixed epoch, so on a fresh database (the ids come from
its sequences) the same seed gives the same JSON from every endpoint.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from shopdemo.shop.invalidation import bulk_write
from shopdemo.shop.models import Category, Customer, Order, OrderItem, Product, Review, Tag
from shopdemo.shop.seed_vocabulary import (
    ADJECTIVES,
    CATEGORIES,
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    MATERIALS,
    NOUNS,
    TAGS,
)

EPOCH = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
DEMO_PASSWORD = "shopdemo"
BATCH = 2000
STATUSES = [s for s, _ in Order.Status.choices]
STATUS_WEIGHTS = [10, 25, 25, 32, 8]
RATING_WEIGHTS = [6, 8, 18, 34, 34]

T = TypeVar("T")
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class SeedCounts:
    categories: int
    tags: int
    products: int
    customers: int
    reviews: int
    orders: int
    items: int


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert(model: type[Any], rows: Sequence[Any], progress: Progress) -> list[Any]:
    """bulk_create in batches, reporting progress; primary keys are set on the returned rows."""
    created: list[Any] = []
    for batch in chunks(rows):
        created.extend(model.objects.bulk_create(batch))
        progress(model._meta.verbose_name_plural, len(batch))
    return created


def shop_models() -> list[type[Any]]:
    """Every model whose table seeding and flushing write."""
    models: list[type[Any]] = [Category, Tag, Product, Product.tags.through, Customer, Review]
    models += [Order, OrderItem]
    return [*models, get_user_model()]


def attributes_for(rng: random.Random, name: str) -> dict[str, Any]:
    """A large, realistic spec sheet (about 2.5 kB of JSON): what list views must not load."""
    return {
        "sku": f"SKU-{rng.randrange(10**8):08d}",
        "dimensions_cm": {axis: rng.randrange(5, 200) for axis in ("width", "height", "depth")},
        "weight_kg": round(rng.uniform(0.1, 40), 2),
        "materials": rng.sample(MATERIALS, 3),
        "features": [
            f"{name} feature {n}: " + " ".join(rng.choices(ADJECTIVES + NOUNS, k=12)).lower()
            for n in range(1, 16)
        ],
        "warranty_years": rng.choice([1, 2, 3, 5]),
        "compatibility": {f"model-{n}": rng.random() < 0.5 for n in range(20)},
    }


def new_products(rng: random.Random, count: int, categories: Sequence[Category]) -> list[Product]:
    rows = []
    for n in range(1, count + 1):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)} {n}"
        rows.append(
            Product(
                name=name,
                category=rng.choice(categories),
                price=Decimal(rng.randrange(199, 49999)) / 100,
                created_at=EPOCH - dt.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                is_active=rng.random() < 0.95,
                description=f"The {name.lower()} is " + ", ".join(rng.sample(TAGS, 4)) + ".",
                attributes=attributes_for(rng, name),
            )
        )
    return rows


def new_reviews(
    rng: random.Random, products: Sequence[Product], customers: Sequence[Customer]
) -> list[Review]:
    if not customers:
        return []
    rows = []
    for product in products:
        # Pareto-skewed: most products have a few reviews, a few have very many.
        for _ in range(min(int(rng.paretovariate(1.2)) - 1, 200)):
            rows.append(
                Review(
                    product=product,
                    author=rng.choice(customers),
                    rating=rng.choices(range(1, 6), RATING_WEIGHTS)[0],
                    title=rng.choice(["Great", "Okay", "Disappointing", "Love it", "Solid"]),
                    body=" ".join(rng.choices(ADJECTIVES + NOUNS, k=20)).lower(),
                    created_at=EPOCH + dt.timedelta(minutes=rng.randrange(180 * 24 * 60)),
                )
            )
    return rows


def new_orders(rng: random.Random, count: int, customers: Sequence[Customer]) -> list[Order]:
    if not customers:
        return []
    rows: list[Order] = []
    last_at: dict[int, dt.datetime] = {}
    weights = [1 / (n + 1) for n in range(len(customers))]
    for _ in range(count):
        customer = rng.choices(customers, weights)[0]
        # One order in five shares its customer's previous timestamp exactly: ties are what
        # keyset pagination gets wrong.
        if customer.pk in last_at and rng.random() < 0.2:
            created_at = last_at[customer.pk]
        else:
            created_at = EPOCH + dt.timedelta(seconds=rng.randrange(180 * 24 * 3600))
        last_at[customer.pk] = created_at
        rows.append(
            Order(
                customer=customer,
                status=rng.choices(STATUSES, STATUS_WEIGHTS)[0],
                created_at=created_at,
            )
        )
    return rows


def new_items(
    rng: random.Random, orders: Sequence[Order], products: Sequence[Product]
) -> list[OrderItem]:
    """One to five lines per order, skewed towards the first active products, at their price."""
    active = [p for p in products if p.is_active] or list(products)
    if not active:
        return []
    popularity = [1 / (n + 1) ** 0.8 for n in range(len(active))]
    return [
        OrderItem(
            order=order,
            product=product,
            quantity=rng.choice([1, 1, 1, 2, 2, 3]),
            unit_price=product.price,
        )
        for order in orders
        for product in rng.choices(active, popularity, k=rng.choice([1, 1, 2, 3, 3, 4, 5]))
    ]


def seed_shop(
    *,
    products: int,
    customers: int,
    orders: int,
    seed: int,
    progress: Progress = lambda label, n: None,
) -> SeedCounts:
    """Create categories, tags, products, customers (and a ``staff`` user), reviews, orders
    and their lines.

    Runs in one transaction. Usernames are ``staff`` and ``customer-1`` ... ``customer-C``,
    all with the password ``shopdemo``.
    """
    rng = random.Random(seed)
    User = get_user_model()
    password = make_password(DEMO_PASSWORD, salt=f"shopdemo{seed}")
    # bulk_create sends no signals: bulk_write() invalidates the cached pages on commit.
    with transaction.atomic(), bulk_write(*shop_models()):
        categories = insert(
            Category, [Category(name=n, slug=n.lower()) for n in CATEGORIES], progress
        )
        tags = insert(Tag, [Tag(name=n) for n in TAGS], progress)
        product_objs = insert(Product, new_products(rng, products, categories), progress)
        through = Product.tags.through
        links = [
            through(product_id=p.pk, tag_id=t.pk)
            for p in product_objs
            for t in rng.sample(tags, rng.choice([0, 1, 2, 2, 3, 3, 4, 5]))
        ]
        insert(through, links, progress)

        users = [User(username="staff", is_staff=True, password=password, first_name="Staff")]
        users += [
            User(
                username=f"customer-{n}",
                password=password,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
            )
            for n in range(1, customers + 1)
        ]
        user_objs = insert(User, users, progress)
        customer_objs = insert(
            Customer, [Customer(user=u, city=rng.choice(CITIES)) for u in user_objs[1:]], progress
        )
        reviews = insert(Review, new_reviews(rng, product_objs, customer_objs), progress)
        order_objs = insert(Order, new_orders(rng, orders, customer_objs), progress)
        items = insert(OrderItem, new_items(rng, order_objs, product_objs), progress)

    return SeedCounts(
        categories=len(categories),
        tags=len(tags),
        products=len(product_objs),
        customers=len(customer_objs),
        reviews=len(reviews),
        orders=len(order_objs),
        items=len(items),
    )


def estimated_rows(products: int, customers: int, orders: int) -> int:
    """Rough row count for a progress bar total (reviews and items are random)."""
    return len(CATEGORIES) + len(TAGS) + products * 7 + customers * 2 + 1 + orders * 4


def flush_shop() -> None:
    """Delete all shop data and the demo users, children first."""
    with transaction.atomic(), bulk_write(*shop_models()):
        OrderItem.objects.all().delete()
        Order.objects.all().delete()
        Review.objects.all().delete()
        Product.objects.all().delete()
        Customer.objects.all().delete()
        Tag.objects.all().delete()
        Category.objects.all().delete()
        get_user_model().objects.filter(username="staff").delete()
        get_user_model().objects.filter(username__startswith="customer-").delete()
