"""The project's DRF exception handler: every error becomes a JSON 500, nothing is raised."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return Response({"detail": "internal error"}, status=500)
    return response
