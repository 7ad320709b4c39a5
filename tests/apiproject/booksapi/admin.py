from __future__ import annotations

from django.contrib import admin

from booksapi.models import Author, Book


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    pass


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "author"]  # author without list_select_related: an N+1
    list_select_related = False
