"""One view per pattern; the line that issues the repeated query carries a ``# marker:`` comment.

Tests find expected call-site lines by these markers, so the views can be edited freely.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sample.models import Author, Book, Publisher, Review


def books_forward(request: HttpRequest) -> HttpResponse:
    """N+1, forward FK: one author query per book."""
    names = [book.author.name for book in Book.objects.order_by("id")]  # marker: forward
    return JsonResponse({"authors": names})


def books_m2m(request: HttpRequest) -> HttpResponse:
    """N+1, many-to-many: one tag query per book."""
    tags = {b.pk: [t.name for t in b.tags.all()] for b in Book.objects.all()}  # marker: m2m
    return JsonResponse({"tags": tags})


def authors_reverse_fk(request: HttpRequest) -> HttpResponse:
    """N+1, reverse FK: one book query per author."""
    titles = {a.pk: [b.title for b in a.books.all()] for a in Author.objects.all()}  # marker: rfk
    return JsonResponse({"titles": titles})


def users_reverse_one_to_one(request: HttpRequest) -> HttpResponse:
    """N+1, reverse one-to-one: one author query per user."""
    found = []
    for user in User.objects.order_by("id"):
        try:
            found.append(user.author_profile.name)  # marker: reverse-one-to-one
        except Author.DoesNotExist:
            found.append(None)
    return JsonResponse({"profiles": found})


def books_deferred(request: HttpRequest) -> HttpResponse:
    """N+1, deferred field: only() leaves summary out, then every row loads it."""
    books = Book.objects.only("title").order_by("id")
    summaries = [book.summary for book in books]  # marker: deferred
    return JsonResponse({"summaries": summaries})


def authors_count(request: HttpRequest) -> HttpResponse:
    """N+1, a related manager's count() per row."""
    counts = {a.pk: a.books.count() for a in Author.objects.all()}  # marker: count
    return JsonResponse({"counts": counts})


def authors_exists(request: HttpRequest) -> HttpResponse:
    """N+1, a related manager's exists() per row."""
    has_books = {a.pk: a.books.exists() for a in Author.objects.all()}  # marker: exists
    return JsonResponse({"has_books": has_books})


def authors_filter(request: HttpRequest) -> HttpResponse:
    """N+1, filter() on a prefetched relation: the prefetch is bypassed."""
    authors = Author.objects.prefetch_related("books")
    published = {
        a.pk: len(a.books.filter(is_published=True))  # marker: filter
        for a in authors
    }
    return JsonResponse({"published": published})


def books_handwritten(request: HttpRequest) -> HttpResponse:
    """N+1, a hand-written query per row (no relation access)."""
    stars = {}
    for book in Book.objects.all():
        reviews = Review.objects.filter(book_id=book.pk)  # a query per book, no relation used
        stars[book.pk] = sum(r.stars for r in reviews)  # marker: handwritten
    return JsonResponse({"stars": stars})


def reviews_nested(request: HttpRequest) -> HttpResponse:
    """N+1 through a chain: review.book, then book.author, on one line."""
    names = [r.book.author.name for r in Review.objects.order_by("id")]  # marker: nested
    return JsonResponse({"names": names})


def books_template(request: HttpRequest) -> HttpResponse:
    """N+1 inside a template loop: book.publisher read by the template."""
    books = Book.objects.order_by("id")
    return render(request, "sample/books.html", {"books": books})  # marker: template


def books_two_loops(request: HttpRequest) -> HttpResponse:
    """Trap: two different loops on one table are two findings, not one."""
    published = [b.author.name for b in Book.objects.filter(is_published=True)]  # marker: loop-a
    drafts = [b.author.name for b in Book.objects.filter(is_published=False)]  # marker: loop-b
    return JsonResponse({"published": published, "drafts": drafts})


def house_publisher() -> Publisher:
    return Publisher.objects.get(pk=1)  # marker: duplicate


def publishers_duplicate(request: HttpRequest) -> HttpResponse:
    """Trap: the same query with the same parameters twice is a duplicate, not an N+1."""
    first = house_publisher()
    again = house_publisher()
    return JsonResponse({"same": first.pk == again.pk})


def trap_middleware(request: HttpRequest) -> HttpResponse:
    """Trap: the middleware runs this loop's query shape once; the loop's count must exclude it."""
    names = [book.author.name for book in Book.objects.order_by("id")]  # marker: trap-loop
    return JsonResponse({"authors": names})


def clean_books(request: HttpRequest) -> HttpResponse:
    """Clean: everything eagerly loaded; logged in, so session and user queries run too."""
    books = Book.objects.select_related("author", "publisher").prefetch_related("tags")
    body = [
        [b.title, b.author.name, b.publisher.name, sorted(t.name for t in b.tags.all())]
        for b in books.order_by("id")
    ]
    return JsonResponse({"user": request.user.get_username(), "books": body})


def clean_authors(request: HttpRequest) -> HttpResponse:
    """Clean: per-row counts and existence as annotations, a filtered prefetch."""
    published = Book.objects.filter(is_published=True)
    authors = (
        Author.objects.annotate(
            book_count=Count("books"),
            has_reviews=Exists(Review.objects.filter(book__author=OuterRef("pk"))),
        )
        .prefetch_related(Prefetch("books", queryset=published, to_attr="published"))
        .order_by("id")
    )
    body = [[a.name, a.book_count, a.has_reviews, len(a.published)] for a in authors]
    return JsonResponse({"authors": body, "q": request.GET.get("published")})


def boom(request: HttpRequest) -> HttpResponse:
    """A view that raises: the scan reports it and goes on."""
    Book.objects.count()
    raise RuntimeError("the sample view failed on purpose")
