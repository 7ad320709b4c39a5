from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from booksapi import views

router = DefaultRouter()
router.register("books", views.BookViewSet)
router.register("shelf", views.ShelfViewSet, basename="shelf")
router.register("writers", views.WriterViewSet, basename="writer")

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/token/me/", views.TokenMeView.as_view()),
    path("api/jwt/me/", views.JwtMeView.as_view()),
    path("api/cookie/me/", views.CookieMeView.as_view()),
    path("api/broken/", views.BrokenView.as_view()),
    path("api/superusers/", views.SuperusersView.as_view()),
    path("api/orders/", views.place_order),
    path("account/", views.account),
    path("authors/", views.AuthorListView.as_view()),
    path("authors/<int:pk>/", views.AuthorDetailView.as_view()),
    path("authors/<int:author_id>/books/", views.author_books),
    path("books/<slug:slug>/", views.BookDetailView.as_view()),
    path("export/books.csv", views.export_books),
    path("search/", views.search),
    path("archive/<int:year>/", views.archive),
    path("contact/", views.contact),
    path("café/", views.cafe),
    path("admin/", admin.site.urls),
]
