"""Test-only middleware and views for tests/test_capture*.py (ROOT_URLCONF of some tests)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from shopdemo.shop.models import Category, Product

try:  # DRF is a test extra
    from django.contrib.auth.models import User
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.response import Response
    from rest_framework.views import APIView
except ImportError:  # pragma: no cover
    APIView = None  # type: ignore[assignment,misc]


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

if APIView is not None:

    class HeaderAuthentication(BaseAuthentication):
        """A project's own DRF authentication: the user named by a header."""

        def authenticate(self, request: Any) -> tuple[Any, None] | None:
            name = request.META.get("HTTP_X_USER")
            return None if name is None else (User.objects.get(username=name), None)

    class CategoryCount(APIView):
        authentication_classes = [HeaderAuthentication]
        permission_classes: list[Any] = []

        def get(self, request: Any) -> Response:
            return Response({"user": request.user.username, "count": Category.objects.count()})

    urlpatterns.append(path("drf/", CategoryCount.as_view()))
