from __future__ import annotations

from django.urls import include, path

# Unmatched /api/ paths answer the API's JSON error body, not an HTML page.
handler404 = "shopdemo.shop.http.not_found"

urlpatterns = [
    path("api/", include("shopdemo.shop.urls")),
]
