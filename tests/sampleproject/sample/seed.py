"""Seed data of the sample project: 4 authors (3 with a user), 8 books, 2 reviews a book."""

from __future__ import annotations

from django.contrib.auth.models import User

from sample.models import Author, Book, Publisher, Review, Tag

AUTHORS = 4
BOOKS = 8


def seed(scale: int = 1) -> dict[str, int]:
    """Create the rows every sample view reads; ``scale`` is accepted and ignored."""
    User.objects.create_user("reader", password="reader")
    users = [User.objects.create_user(f"writer-{i}") for i in range(AUTHORS - 1)]
    authors = [
        Author.objects.create(name=f"Author {i}", user=users[i] if i < len(users) else None)
        for i in range(AUTHORS)
    ]
    publishers = [Publisher.objects.create(name=f"Publisher {i}") for i in range(3)]
    tags = [Tag.objects.create(name=f"tag-{i}") for i in range(3)]
    for i in range(BOOKS):
        book = Book.objects.create(
            title=f"Book {i}",
            author=authors[i % AUTHORS],
            publisher=publishers[i % 3],
            summary=f"Summary of book {i}",
            is_published=i % 2 == 0,
        )
        book.tags.set(tags[: i % 3 + 1])
        Review.objects.create(book=book, stars=i % 5 + 1)
        Review.objects.create(book=book, stars=(i + 2) % 5 + 1)
    return {"books": BOOKS}


def broken(scale: int = 1) -> None:
    """A setup callable that fails: the scan must stop with exit 3 and drop its database."""
    seed(scale)
    raise ValueError("the sample seed failed on purpose")


def interrupted(scale: int = 1) -> None:
    """A setup callable interrupted as by Ctrl-C: the test database must still be destroyed."""
    seed(scale)
    raise KeyboardInterrupt


def not_a_mapping() -> list[int]:
    return [1, 2]
