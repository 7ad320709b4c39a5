"""Views for unused_eager_load (``perfaudit scan --eager-loads``), one per case.

Routed as ``/eager/<case>/``: a parameter keeps them out of route discovery. The line that asks
for an eager load carries a ``# marker:`` comment the tests look for.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sample.models import Author, Book, Review


def unused_select(request: HttpRequest) -> HttpResponse:
    """select_related('publisher'), then only the titles are read."""
    books = Book.objects.select_related("publisher").order_by("id")  # marker: unused-select
    return JsonResponse({"titles": [b.title for b in books]})


def unused_prefetch(request: HttpRequest) -> HttpResponse:
    """prefetch_related('books'), then only the authors' names are read."""
    authors = Author.objects.prefetch_related("books")  # marker: unused-prefetch
    return JsonResponse({"names": [a.name for a in authors.order_by("id")]})


def used(request: HttpRequest) -> HttpResponse:
    """Every eager load read: in the view, in a template, or hidden behind to_attr."""
    books = (
        Book.objects.select_related("author")
        .prefetch_related("tags", Prefetch("reviews", queryset=Review.objects.order_by("id")))
        .order_by("id")
    )
    body = [[b.author.name, [t.name for t in b.tags.all()], len(b.reviews.all())] for b in books]
    # to_attr stores a plain list: its reads cannot be seen, so it is never reported.
    hidden = Author.objects.prefetch_related(Prefetch("books", to_attr="all_books"))
    body.append([a.name for a in hidden])
    listed = Book.objects.select_related("publisher").order_by("id")
    return render(request, "sample/books.html", {"books": listed, "body": body})


def nested(request: HttpRequest) -> HttpResponse:
    """Nested paths: the first segment read but not the second, and neither."""
    reviews = Review.objects.select_related("book__publisher")  # marker: nested-select
    titles = [r.book.title for r in reviews.order_by("id")]
    authors = Author.objects.prefetch_related("books__tags")  # marker: nested-prefetch
    counts = [len(a.books.all()) for a in authors.order_by("id")]
    named = [b.title for b in Book.objects.select_related("author__user")]  # marker: nested-none
    return JsonResponse({"titles": titles, "counts": counts, "named": named})


def empty(request: HttpRequest) -> HttpResponse:
    """No row comes back: nothing shows that the eager load is useless when rows do."""
    books = Book.objects.select_related("publisher").filter(title="no such book")
    return JsonResponse({"publishers": [b.publisher.name for b in books]})


CASES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "unused-select": unused_select,
    "unused-prefetch": unused_prefetch,
    "used": used,
    "nested": nested,
    "empty": empty,
}


def eager_case(request: HttpRequest, case: str) -> HttpResponse:
    view = CASES.get(case)
    if view is None:
        raise Http404(case)
    return view(request)
