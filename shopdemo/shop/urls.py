"""Routes: the optimized API under /api/, its naive twin under /api/naive/."""

from __future__ import annotations

from django.urls import path

from shopdemo.shop import naive, views

urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/<int:pk>/", views.order_detail, name="order-detail"),
    path("admin/dashboard/", views.dashboard, name="dashboard"),
    path("naive/products/", naive.product_list, name="naive-product-list"),
    path("naive/products/<int:pk>/", naive.product_detail, name="naive-product-detail"),
    path("naive/orders/", naive.order_list, name="naive-order-list"),
    path("naive/orders/<int:pk>/", naive.order_detail, name="naive-order-detail"),
    path("naive/admin/dashboard/", naive.dashboard, name="naive-dashboard"),
]
