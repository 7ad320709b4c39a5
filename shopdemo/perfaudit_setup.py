"""Data for perfaudit runs against shopdemo: seeds the test database at a given scale."""

from __future__ import annotations

from shopdemo.shop.models import Order, Product
from shopdemo.shop.seeding import seed_shop


def setup(scale: int = 100) -> dict[str, int]:
    """Seed ``scale`` products, ``scale // 5 + 2`` customers and ``scale * 2`` orders.

    Returns the ids that scenario paths refer to as ``{product}`` and ``{order}``: an active
    product with reviews and an order of ``customer-1``.
    """
    seed_shop(products=scale, customers=scale // 5 + 2, orders=scale * 2, seed=42)
    product = (
        Product.objects.filter(is_active=True, reviews__isnull=False).order_by("id").first()
        or Product.objects.filter(is_active=True).order_by("id").first()
    )
    order = Order.objects.filter(customer__user__username="customer-1").order_by("id").first()
    return {"product": product.pk if product else 0, "order": order.pk if order else 0}
