from __future__ import annotations

from django.urls import path

from sample import eager_views, views

urlpatterns = [
    path("books/forward/", views.books_forward),
    path("books/m2m/", views.books_m2m),
    path("authors/reverse-fk/", views.authors_reverse_fk),
    path("users/reverse-one-to-one/", views.users_reverse_one_to_one),
    path("books/deferred/", views.books_deferred),
    path("authors/count/", views.authors_count),
    path("authors/exists/", views.authors_exists),
    path("authors/filter/", views.authors_filter),
    path("books/handwritten/", views.books_handwritten),
    path("reviews/nested/", views.reviews_nested),
    path("books/template/", views.books_template),
    path("books/two-loops/", views.books_two_loops),
    path("publishers/duplicate/", views.publishers_duplicate),
    path("trap/middleware/", views.trap_middleware),
    path("clean/books/", views.clean_books),
    path("clean/authors/", views.clean_authors),
    path("boom/", views.boom),
    path("books/<int:pk>/", views.books_forward),  # has a parameter: never discovered
    path("eager/<str:case>/", eager_views.eager_case),  # perfaudit scan --eager-loads cases
]
