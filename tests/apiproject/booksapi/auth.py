"""A signed-cookie authentication that perfaudit cannot guess, and the --login hook for it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from rest_framework.authentication import BaseAuthentication

COOKIE = "api_user"


class SignedCookieAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        value = request.COOKIES.get(COOKIE)
        if not value:
            return None
        try:
            pk = signing.loads(value)
        except signing.BadSignature:
            return None
        user = get_user_model().objects.filter(pk=pk).first()
        return (user, None) if user is not None else None


def cookie_login(client: Any, user: Any) -> None:
    """perfaudit scan --login booksapi.auth:cookie_login"""
    client.cookies[COOKIE] = signing.dumps(user.pk)


def broken_login(client: Any, user: Any) -> None:
    raise RuntimeError("the identity provider is down")
