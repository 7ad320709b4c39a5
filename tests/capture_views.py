"""Test-only middleware and views for tests/test_capture*.py (ROOT_URLCONF of some tests)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from shopdemo.shop.models import Category, Product


class CountingMiddleware:
    """Queries in process_view: the middleware's, not the view's."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        request.category_count = Category.objects.count()  # process-view


def category_names(request: HttpRequest) -> JsonResponse:
    return JsonResponse([c.name for c in Category.objects.order_by("id")], safe=False)


def category_of(product: Product) -> str:
    return product.category.name  # async-row


async def async_categories(request: HttpRequest) -> JsonResponse:
    products = await sync_to_async(list)(Product.objects.order_by("id")[:3])
    names = [await sync_to_async(category_of)(product) for product in products]
    return JsonResponse(names, safe=False)


urlpatterns = [
    path("names/", category_names),
    path("async/", async_categories),
]
