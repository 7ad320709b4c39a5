"""seed_shop: determinism, scale parameters, distributions, the management command."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import Client

from shopdemo.shop.models import Customer, Order, OrderItem, Product, Review
from shopdemo.shop.seeding import seed_shop

ENDPOINTS = [
    (None, "/api/naive/products/?page=1"),
    (None, "/api/naive/products/?q=oak"),
    (None, "/api/naive/products/?page=2"),
    (None, "/api/naive/products/{product}/"),
    ("customer-1", "/api/naive/orders/"),
    ("customer-1", "/api/naive/orders/{order}/"),
    ("staff", "/api/naive/admin/dashboard/"),
]


def snapshot() -> list[bytes]:
    """Every naive endpoint's body, as bytes."""
    ids = {
        "product": Product.objects.filter(is_active=True).order_by("id")[3].pk,
        "order": Order.objects.filter(customer__user__username="customer-1").order_by("id")[0].pk,
    }
    bodies = []
    for username, path in ENDPOINTS:
        client = Client()
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        response = client.get(path.format(**ids))
        assert response.status_code == 200
        bodies.append(response.content)
    return bodies


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_same_seed_gives_identical_json_on_a_fresh_database() -> None:
    seed_shop(products=40, customers=6, orders=80, seed=11)
    first = snapshot()
    # flush empties every table and resets the sequences: a second, fresh database.
    call_command("flush", interactive=False, verbosity=0)
    seed_shop(products=40, customers=6, orders=80, seed=11)
    assert snapshot() == first
    call_command("flush", interactive=False, verbosity=0)
    seed_shop(products=40, customers=6, orders=80, seed=12)
    assert snapshot() != first


@pytest.mark.django_db
@pytest.mark.parametrize(("products", "customers", "orders"), [(0, 0, 0), (5, 1, 3), (30, 4, 70)])
def test_scale_parameters_give_exact_row_counts(products, customers, orders) -> None:
    counts = seed_shop(products=products, customers=customers, orders=orders, seed=1)
    assert Product.objects.count() == counts.products == products
    assert Customer.objects.count() == counts.customers == customers
    assert Order.objects.count() == counts.orders == (orders if customers else 0)
    assert OrderItem.objects.count() == counts.items
    assert Review.objects.count() == counts.reviews
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert usernames == {"staff"} | {f"customer-{n}" for n in range(1, customers + 1)}
    assert get_user_model().objects.get(username="staff").is_staff


@pytest.mark.django_db
def test_distributions_are_realistic() -> None:
    seed_shop(products=200, customers=30, orders=600, seed=5)
    per_order = Counter(Order.objects.annotate(n=Count("items")).values_list("n", flat=True))
    assert per_order[0] == 0
    assert sum(v for k, v in per_order.items() if k >= 2) > 600 / 2  # several items per order
    reviews = sorted(
        Product.objects.annotate(n=Count("reviews")).values_list("n", flat=True), reverse=True
    )
    assert reviews[0] >= 5 * max(1, reviews[len(reviews) // 2])  # skewed across products
    ties = (
        Order.objects.values("customer", "created_at")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    assert ties >= 20  # exact timestamp ties within one customer's orders


@pytest.mark.django_db
def test_command_refuses_to_seed_twice_without_flush(capsys) -> None:
    call_command("seed_shop", products=5, customers=2, orders=4, seed=1)
    assert "Seeded 12 categories, 20 tags, 5 products, 2 customers" in capsys.readouterr().out
    with pytest.raises(CommandError, match="rerun with --flush"):
        call_command("seed_shop", products=5, customers=2, orders=4, seed=1)
    call_command("seed_shop", products=7, customers=2, orders=4, seed=1, flush=True)
    assert Product.objects.count() == 7


@pytest.mark.django_db
def test_migrations_are_complete_and_applied() -> None:
    # makemigrations --check exits non-zero when models and migrations disagree.
    call_command("makemigrations", "shop", check=True, dry_run=True, verbosity=0)
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
