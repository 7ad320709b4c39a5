"""One model per relation kind: FK, one-to-one, M2M (to 'self' too), GFK, MTI, aggregates."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Avg
from taggit.managers import TaggableManager


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Publisher(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="books")
    tags = models.ManyToManyField(Tag, related_name="books")
    summary = models.TextField(blank=True)
    price = models.IntegerField(default=10)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An override as projects write them: the loop that calls save() is the finding's
        # line (views.py's "save"), not this one.
        self.title = self.title.strip()
        super().save(*args, **kwargs)

    @property
    def has_five_stars(self) -> bool:
        return self.reviews.filter(stars=5).exists()  # shape: exists

    @property
    def latest_review(self) -> Review | None:
        return self.reviews.order_by("-id").first()  # shape: first

    @property
    def average_stars(self) -> float | None:
        return self.reviews.aggregate(avg=Avg("stars"))["avg"]  # shape: aggregate


class Reader(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="reviews")
    stars = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"{self.stars} stars"


class Profile(models.Model):
    name = models.CharField(max_length=100)
    follows = models.ManyToManyField("self", symmetrical=False, related_name="followers")

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.text


class Place(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Restaurant(Place):
    serves_pizza = models.BooleanField(default=False)


class LiveNotes(models.Manager["Note"]):
    """A soft-delete default manager: what a related manager of Note starts from too."""

    def get_queryset(self) -> models.QuerySet[Note]:
        return super().get_queryset().filter(deleted=False)


class Note(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=100)
    deleted = models.BooleanField(default=False)

    objects = LiveNotes()

    def __str__(self) -> str:
        return self.text


class Shelf(models.Model):
    """django-taggit's manager: obj.tags.all() is a plain Tag filter, not a related manager."""

    name = models.CharField(max_length=100)
    tags = TaggableManager()

    def __str__(self) -> str:
        return self.name
