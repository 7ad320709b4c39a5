"""A post_save handler that queries once per saved review."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from shapes.models import Review


@receiver(post_save, sender=Review)
def count_reviews(sender: Any, instance: Review, **kwargs: Any) -> None:
    reviews = Review.objects.filter(book_id=instance.book_id)
    instance.book_review_count = reviews.count()  # shape: handler
