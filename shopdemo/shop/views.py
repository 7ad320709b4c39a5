"""The optimized twins. Placeholder until the optimized-views issue: serves the naive views."""

from __future__ import annotations

from shopdemo.shop.naive import dashboard, order_detail, order_list, product_detail, product_list

__all__ = ["dashboard", "order_detail", "order_list", "product_detail", "product_list"]
