"""One view per query shape; the line of each repeated query carries ``# shape: NAME``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from shapes.models import Book, Comment, Place, Profile, Publisher, Reader, Review, Shelf, Tag
from shapes.serializers import BookCountSerializer, BookReviewsSerializer, ReviewSerializer


def drf_nested(request: HttpRequest) -> JsonResponse:
    return JsonResponse(ReviewSerializer(Review.objects.order_by("id"), many=True).data, safe=False)


def drf_method(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BookCountSerializer(Book.objects.all(), many=True).data, safe=False)


def drf_deep(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BookReviewsSerializer(Book.objects.all(), many=True).data, safe=False)


def m2m_self(request: HttpRequest) -> JsonResponse:
    follows = {}
    for profile in Profile.objects.all():
        follows[profile.name] = [f.name for f in profile.follows.all()]  # shape: m2m-self
    return JsonResponse(follows)


def soft_deleted(request: HttpRequest) -> JsonResponse:
    # The default manager's own filter is not the caller's: prefetch_related('notes') fixes it.
    notes = {b.title: [n.text for n in b.notes.all()] for b in Book.objects.all()}  # shape: soft
    return JsonResponse(notes)


def generic_fk(request: HttpRequest) -> JsonResponse:
    texts = [str(c.content_object) for c in Comment.objects.order_by("id")]  # shape: gfk
    return JsonResponse(texts, safe=False)


def mti_child(request: HttpRequest) -> JsonResponse:
    kinds = [hasattr(place, "restaurant") for place in Place.objects.order_by("id")]  # shape: mti
    return JsonResponse(kinds, safe=False)


def deferred(request: HttpRequest) -> JsonResponse:
    books = Book.objects.only("title")
    return JsonResponse([len(book.summary) for book in books], safe=False)  # shape: deferred


def per_row_exists(request: HttpRequest) -> JsonResponse:
    return JsonResponse([book.has_five_stars for book in Book.objects.all()], safe=False)


def per_row_first(request: HttpRequest) -> JsonResponse:
    latest = [getattr(book.latest_review, "stars", None) for book in Book.objects.all()]
    return JsonResponse(latest, safe=False)


def per_row_aggregate(request: HttpRequest) -> JsonResponse:
    return JsonResponse([book.average_stars for book in Book.objects.all()], safe=False)


def nested_loops(request: HttpRequest) -> JsonResponse:
    names = []
    for book in Book.objects.all():
        for review in book.reviews.all():  # shape: nested-outer
            names.append(review.reviewer.name)  # shape: nested-inner
    return JsonResponse(names, safe=False)


def save_loop(request: HttpRequest) -> JsonResponse:
    for book in Book.objects.all():
        book.price += 1
        book.save()  # shape: save
    return JsonResponse({"ok": True})


def m2m_add(request: HttpRequest) -> JsonResponse:
    tag = Tag.objects.get(name="classic")
    for book in Book.objects.all():
        book.tags.add(tag)  # shape: m2m-add
    return JsonResponse({"ok": True})


def signal_loop(request: HttpRequest) -> JsonResponse:
    reader = Reader.objects.order_by("id").first()
    for book in Book.objects.all():
        Review.objects.create(book=book, reviewer=reader, stars=4)  # shape: signal-loop
    return JsonResponse({"ok": True})


def author_name(book: Book) -> str:
    try:
        return book.author.name  # shape: worker
    finally:
        connection.close()  # a worker thread closes its own connection


async def async_view(request: HttpRequest) -> JsonResponse:
    books = await sync_to_async(list)(Book.objects.all())
    names = [await sync_to_async(author_name, thread_sensitive=False)(book) for book in books]
    return JsonResponse(names, safe=False)


def thread_pool(request: HttpRequest) -> JsonResponse:
    books = list(Book.objects.all())
    with ThreadPoolExecutor(max_workers=3) as pool:
        names = list(pool.map(author_name, books))
    return JsonResponse(names, safe=False)


def jinja_loop(request: HttpRequest) -> HttpResponse:
    return render(request, "shapes/books.jinja", {"books": Book.objects.all()})  # shape: jinja


def duplicate(request: HttpRequest) -> JsonResponse:
    names = [Publisher.objects.get(name="Main").name for _ in range(3)]  # shape: duplicate
    return JsonResponse(names, safe=False)


def clean(request: HttpRequest) -> JsonResponse:
    books = Book.objects.select_related("author", "publisher").prefetch_related("tags")
    return JsonResponse(
        [[b.author.name, b.publisher.name, [t.name for t in b.tags.all()]] for b in books],
        safe=False,
    )


def taggit_loop(request: HttpRequest) -> JsonResponse:
    shelves = Shelf.objects.order_by("id")
    return JsonResponse(
        [sorted(t.name for t in shelf.tags.all()) for shelf in shelves],  # shape: taggit
        safe=False,
    )
