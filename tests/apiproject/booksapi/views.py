"""Every kind of view `perfaudit scan` must reach; repeated queries are deliberate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView
from rest_framework import status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from booksapi.auth import SignedCookieAuthentication
from booksapi.models import Author, Book, Order, OrderLine
from booksapi.serializers import AuthorSerializer, BookSerializer


class BookViewSet(viewsets.ModelViewSet):
    queryset = Book.objects.order_by("pk")  # no select_related: author_name is an N+1
    serializer_class = BookSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]


def _me(request: Request) -> Response:
    orders = Order.objects.filter(customer=request.user).count()
    return Response({"username": request.user.get_username(), "orders": orders})


class TokenMeView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return _me(request)


class JwtMeView(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return _me(request)


class CookieMeView(APIView):
    authentication_classes = [SignedCookieAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return _me(request)


class BrokenView(APIView):
    def get(self, request: Request) -> Response:
        Book.objects.count()
        raise ZeroDivisionError("division by zero")  # the handler answers 500


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def place_order(request: Request) -> Response:
    order = Order.objects.create(customer=request.user)
    for book_id in request.data.get("book_ids", []):
        book = Book.objects.get(pk=book_id)  # one query per book: an N+1 on a write
        OrderLine.objects.create(order=order, book=book, quantity=request.data.get("quantity", 1))
    lines = order.lines.count()
    return Response({"order": order.pk, "lines": lines}, status=status.HTTP_201_CREATED)


@login_required
def account(request: Any) -> HttpResponse:
    orders = Order.objects.filter(customer=request.user)
    return HttpResponse(f"{request.user.get_username()}: {orders.count()} orders")


class AuthorListView(ListView):
    model = Author
    template_name = "booksapi/authors.html"


class AuthorDetailView(DetailView):
    model = Author
    template_name = "booksapi/author.html"


class BookDetailView(DetailView):
    model = Book
    template_name = "booksapi/book.html"


def author_books(request: Any, author_id: int) -> HttpResponse:
    titles = [b.title for b in Book.objects.filter(author_id=author_id)]
    return HttpResponse(", ".join(titles))


def export_books(request: Any) -> StreamingHttpResponse:
    def rows() -> Any:
        for book in Book.objects.order_by("pk"):
            yield f"{book.title},{book.author.name}\n"  # one author query per row, while streaming

    return StreamingHttpResponse(rows(), content_type="text/csv")


def search(request: Any) -> HttpResponse:
    """GET ?q= or a POSTed form; 400 without q."""
    query = request.GET.get("q") or request.POST.get("q")
    if not query:
        return HttpResponseBadRequest("q is required")
    return HttpResponse(str(Book.objects.filter(title__icontains=query).count()))


def archive(request: Any, year: int) -> HttpResponse:
    return HttpResponse(str(year))


@require_POST
def contact(request: Any) -> HttpResponse:
    return HttpResponse("thanks")


def cafe(request: Any) -> HttpResponse:
    return HttpResponse(str(Author.objects.count()))


class ShelfViewSet(viewsets.ReadOnlyModelViewSet):
    """The common DRF shape: an empty queryset for the router, the real one built per request."""

    queryset = Book.objects.none()
    serializer_class = BookSerializer

    def get_queryset(self) -> Any:
        return Book.objects.select_related("author").order_by("pk")


class WriterViewSet(viewsets.ReadOnlyModelViewSet):
    """No queryset, model or serializer class: all built per request, so discovery cannot tell
    the model its detail route selects."""

    def get_queryset(self) -> Any:
        return Author.objects.order_by("pk")

    def get_serializer_class(self) -> Any:
        return AuthorSerializer


class SuperusersOnly(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_superuser)


class SuperusersView(APIView):
    """A page a logged-in staff member may not see: 403, not a failed login, in discovery."""

    permission_classes = [SuperusersOnly]

    def get(self, request: Request) -> Response:
        return Response({"books": Book.objects.count()})
