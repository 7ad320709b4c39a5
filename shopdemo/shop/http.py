"""Request parsing, JSON responses and access checks shared by both twins."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from django.views.defaults import page_not_found

from shopdemo.shop.serializers import render

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100
# ASCII digits only: str.isdigit() also takes "²" and "①", which int() refuses (a 500 before),
# and "٣", which int() takes; fullmatch, because "$" would let a trailing newline through.
DIGITS = re.compile(r"[0-9]+")

View = Callable[..., HttpResponse]


class BadRequest(Exception):
    """A request parameter is invalid; the message is shown to the client with a 400."""


class NotFound(Exception):
    """The requested object or page does not exist; the message is shown with a 404."""


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(render(data), status=status, content_type="application/json")


def error_response(message: str, status: int) -> HttpResponse:
    return json_response({"error": message}, status=status)


def shown(raw: str) -> str:
    """``raw`` quoted for an error message, cut short: a client may send kilobytes."""
    return repr(raw) if len(raw) <= 40 else f"{raw[:20]!r}... ({len(raw)} characters)"


def is_number(raw: str, max_digits: int) -> bool:
    """Whether ``raw`` is 1 to ``max_digits`` ASCII digits (checked before any int() call)."""
    return len(raw) <= max_digits and DIGITS.fullmatch(raw) is not None


def parse_page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not is_number(raw, 9) or int(raw) < 1:
        raise BadRequest(f"page must be a positive integer, got {shown(raw)}.")
    return int(raw)


def parse_search(request: HttpRequest) -> str:
    q = request.GET.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(f"q must be at most {MAX_QUERY_LENGTH} characters.")
    if "\x00" in q:
        # PostgreSQL refuses NUL in text parameters; no product name can hold one anyway.
        raise BadRequest("q must not contain NUL characters.")
    return q


def parse_category(request: HttpRequest) -> int | None:
    raw = request.GET.get("category", "").strip()
    if not raw:
        return None
    if not is_number(raw, 18):
        raise BadRequest(f"category must be a category id, got {shown(raw)}.")
    return int(raw)


def page_url(request: HttpRequest, **params: Any) -> str:
    """The current path with some query parameters replaced (None removes one)."""
    query: dict[str, str] = {key: str(value) for key, value in request.GET.items()}
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return f"{request.path}?{urlencode(sorted(query.items()))}" if query else request.path


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: a JSON body for every unmatched /api/ path, Django's page elsewhere.

    Django calls it only with ``DEBUG`` off; with ``SHOPDEMO_DEBUG=1`` its debug page shows
    which routes were tried. A missing trailing slash is redirected before this runs.
    """
    if request.path_info == "/api" or request.path_info.startswith("/api/"):
        return error_response(f"No API endpoint at {request.path!r}.", 404)
    return page_not_found(request, exception)


def json_errors(view: View) -> View:
    """Turn :class:`BadRequest` into a 400 and :class:`NotFound` into a 404, with JSON bodies."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return error_response(str(exc), 400)
        except NotFound as exc:
            return error_response(str(exc), 404)

    return wrapper


def login_required(view: View) -> View:
    """401 with a JSON body for anonymous requests."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return error_response("Authentication required: log in as a customer.", 401)
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View) -> View:
    """403 with a JSON body for anyone who is not staff, anonymous included."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_staff):
            return error_response("Staff only: log in as a staff user.", 403)
        return view(request, *args, **kwargs)

    return wrapper
