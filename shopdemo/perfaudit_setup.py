"""Data for perfaudit runs against shopdemo: seeds the test database at a given scale."""

from __future__ import annotations

from django.db.models import Count

from shopdemo.shop.models import Order, Product
from shopdemo.shop.seeding import seed_shop


def setup(scale: int = 100) -> dict[str, int]:
    """Seed ``scale`` products, ``scale // 5 + 2`` customers and ``scale * 2`` orders.

    Returns the ids that scenario paths refer to as ``{product}`` and ``{order}``: the active
    product with the most reviews and an order of ``customer-1``.
    """
    seed_shop(products=scale, customers=scale // 5 + 2, orders=scale * 2, seed=42)
    # The most reviewed product: its naive detail page reads each review's author, an N+1
    # that a product with a single review would hide.
    product = (
        Product.objects.filter(is_active=True)
        .annotate(review_count=Count("reviews"))
        .order_by("-review_count", "id")
        .first()
    )
    order = Order.objects.filter(customer__user__username="customer-1").order_by("id").first()
    return {"product": product.pk if product else 0, "order": order.pk if order else 0}
