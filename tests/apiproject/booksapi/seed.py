"""Setup callables of the API test project."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from rest_framework.authtoken.models import Token

from booksapi.models import Author, Book


def seed() -> dict[str, Any]:
    users = get_user_model().objects
    alice = users.create_user("alice", password="x")
    users.create_user("staff", password="x", is_staff=True)
    users.create_superuser("root", password="x")
    books = []
    for a in range(3):
        author = Author.objects.create(name=f"Author {a}")
        for b in range(2):
            n = a * 2 + b
            books.append(Book.objects.create(title=f"Book {n}", slug=f"book-{n}", author=author))
    return {
        "book_id": books[0].pk,
        "book_slug": books[0].slug,
        "author_id": books[0].author_id,
        "book_ids": [b.pk for b in books[:3]],
        "token": Token.objects.create(user=alice).key,
        "cookie": signing.dumps(alice.pk),  # what booksapi.auth.SignedCookieAuthentication reads
    }


def only_users() -> dict[str, Any]:
    """Users but no books: discovery cannot fill the book routes."""
    get_user_model().objects.create_user("alice", password="x")
    return {}
