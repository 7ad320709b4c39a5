from __future__ import annotations

from rest_framework import serializers

from shapes.models import Book, Reader, Review


class BookBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = ["id", "title"]


class ReviewSerializer(serializers.ModelSerializer):
    book = BookBriefSerializer()  # shape: drf-nested

    class Meta:
        model = Review
        fields = ["id", "stars", "book"]


class BookCountSerializer(serializers.ModelSerializer):
    review_count = serializers.SerializerMethodField()

    class Meta:
        model = Book
        fields = ["id", "review_count"]

    def get_review_count(self, book: Book) -> int:
        return book.reviews.count()  # shape: drf-method


class ReaderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reader
        fields = ["id", "name"]


class ReviewWithReaderSerializer(serializers.ModelSerializer):
    reviewer = ReaderSerializer()

    class Meta:
        model = Review
        fields = ["id", "stars", "reviewer"]


class BookReviewsSerializer(serializers.ModelSerializer):
    reviews = ReviewWithReaderSerializer(many=True)  # shape: drf-deep

    class Meta:
        model = Book
        fields = ["id", "reviews"]
