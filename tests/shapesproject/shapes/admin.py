from __future__ import annotations

from django.contrib import admin

from shapes.models import Book


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):  # shape: admin-class
    # A lookup path: the change list does not select_related it on its own.
    list_display = ("title", "publisher__name")  # shape: admin
