"""A middleware that reads an author by primary key on the trap URLs.

Its query has the very shape of ``book.author`` in a view's loop: perfaudit must not count it
into the loop's N+1 (it is tagged as framework and has its own call site).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sample.models import Author


def featured_author(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., object]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/trap/"):
            try:
                request.featured_author = Author.objects.get(pk=1)  # type: ignore[attr-defined]
            except Author.DoesNotExist:
                request.featured_author = None  # type: ignore[attr-defined]
        return get_response(request)

    return middleware
