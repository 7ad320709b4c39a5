"""Seed data: 4 books by 2 authors, 2 reviews a book, 3 profiles, 4 comments on 2 models."""

from __future__ import annotations

from django.contrib.auth.models import User

from shapes.models import (
    Author,
    Book,
    Comment,
    Note,
    Place,
    Profile,
    Publisher,
    Reader,
    Restaurant,
    Review,
    Shelf,
    Tag,
)  # fmt: skip


def seed(scale: int = 1) -> dict[str, int]:
    """Create the rows every shapes view reads; ``scale`` is accepted and ignored."""
    User.objects.create_superuser("admin", "admin@example.com", "admin")
    authors = [Author.objects.create(name=f"Author {i}") for i in range(2)]
    publishers = [Publisher.objects.create(name=name) for name in ("Main", "Small")]
    Tag.objects.create(name="classic")
    readers = [Reader.objects.create(name=f"Reader {i}") for i in range(2)]
    books = [
        Book.objects.create(
            title=f"Book {i}", author=authors[i % 2], publisher=publishers[i % 2], summary="s" * i
        )
        for i in range(4)
    ]
    Review.objects.bulk_create(
        Review(book=book, reviewer=readers[j], stars=3 + j + i % 2)
        for i, book in enumerate(books)
        for j in range(2)
    )
    Note.objects.bulk_create(
        Note(book=book, text=f"note {i}", deleted=i == 1) for i, book in enumerate(books)
    )
    profiles = [Profile.objects.create(name=f"P{i}") for i in range(3)]
    for i, profile in enumerate(profiles):
        profile.follows.set([p for p in profiles if p is not profile][: i + 1])
    Comment.objects.bulk_create(
        [
            Comment(content_object=books[0], text="a"),
            Comment(content_object=authors[0], text="b"),
            Comment(content_object=books[1], text="c"),
            Comment(content_object=authors[1], text="d"),
        ]
    )
    Place.objects.create(name="Park")
    Restaurant.objects.create(name="Pizzeria", serves_pizza=True)
    Place.objects.create(name="Square")
    for i in range(3):
        Shelf.objects.create(name=f"Shelf {i}").tags.add("new", f"row-{i}")
    return {"books": len(books)}
