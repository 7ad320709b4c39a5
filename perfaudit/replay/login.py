"""Log a test client in as a user through the project's own mechanism, and check it worked.

Django sessions (``force_login``), DRF ``TokenAuthentication`` (the user's token, created if
missing, in the header the class reads) and djangorestframework-simplejwt (a fresh access token
sent as its settings say) are built in; the credentials a request carries follow the
authentication classes of the view it reaches. A ``--login MOD:FUNC`` hook replaces them all:
it is called as ``FUNC(client, user)`` and sets the cookies or default headers it needs.

After the request, :func:`login_problem` reads the user the view saw (``wsgi_request.user``,
which DRF sets when it authenticates) so that a login the project ignored is an error, never a
silent anonymous audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfaudit.errors import ConfigError, ProjectError

ADMIN_USERNAME = "perfaudit-admin"


@dataclass
class Login:
    """A client's login: the user, and the credentials minted for it so far (lazily)."""

    username: str
    user: Any
    hook: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def headers_for(self, view: object) -> dict[str, str]:
        """The headers that authenticate a request to ``view`` (none for session-only views)."""
        if self.hook is not None:
            return {}
        for auth_class in _authentication_classes(view):
            names = {c.__module__ + "." + c.__qualname__ for c in auth_class.__mro__}
            if "rest_framework.authentication.SessionAuthentication" in names:
                return {}
            if "rest_framework.authentication.TokenAuthentication" in names:
                return {"Authorization": f"{auth_class.keyword} {self._drf_token(auth_class)}"}
            if "rest_framework_simplejwt.authentication.JWTAuthentication" in names:
                return self._jwt_header()
        return {}

    def _drf_token(self, auth_class: Any) -> str:
        if "drf" not in self.tokens:
            try:
                model = auth_class().get_model()
            except RuntimeError:  # the Token model's app is not installed
                raise ConfigError(
                    f"A view reads DRF tokens ({auth_class.__name__}) but "
                    "'rest_framework.authtoken' is not in INSTALLED_APPS; pass --login MOD:FUNC."
                ) from None
            token, _ = model.objects.get_or_create(user=self.user)
            self.tokens["drf"] = token.key
        return self.tokens["drf"]

    def _jwt_header(self) -> dict[str, str]:
        from rest_framework_simplejwt.settings import api_settings
        from rest_framework_simplejwt.tokens import AccessToken

        if "jwt" not in self.tokens:
            self.tokens["jwt"] = str(AccessToken.for_user(self.user))
        # AUTH_HEADER_NAME is a WSGI key ("HTTP_AUTHORIZATION"); the client takes header names.
        name = api_settings.AUTH_HEADER_NAME.removeprefix("HTTP_").replace("_", "-").title()
        return {name: f"{api_settings.AUTH_HEADER_TYPES[0]} {self.tokens['jwt']}"}


def _authentication_classes(view: object) -> tuple[Any, ...]:
    """The DRF authentication classes of a view callback, in the order DRF tries them."""
    cls = getattr(view, "cls", None)
    if cls is None:
        return ()
    initkwargs = getattr(view, "initkwargs", None) or {}
    classes = initkwargs.get("authentication_classes", getattr(cls, "authentication_classes", ()))
    return tuple(c for c in classes if isinstance(c, type))


def log_in(client: Any, username: str, hook: str | None = None) -> Login:
    """Log ``client`` in as ``username``: the hook if given, else a session when the project
    has sessions (tokens are minted per view by :meth:`Login.headers_for`)."""
    from django.conf import settings

    user = find_user(username)
    if hook is not None:
        function = load_hook(hook)
        try:
            function(client, user)
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
            raise ProjectError(
                f"The login hook {hook!r} failed for {username!r}: {detail}."
            ) from exc
    elif "django.contrib.sessions" in settings.INSTALLED_APPS:
        client.force_login(user)
    return Login(username=username, user=user, hook=hook)


def load_hook(spec: str) -> Any:
    """Import the ``--login`` hook ``MODULE:FUNCTION``; ConfigError when it does not exist."""
    import importlib

    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(f"{exc.name}.")):
            raise ConfigError(f"--login: module {module_name!r} cannot be found.") from None
        raise ProjectError(f"Importing the login hook {module_name!r} failed: {exc}.") from exc
    except Exception as exc:
        raise ProjectError(
            f"Importing the login hook {module_name!r} failed: {type(exc).__name__}."
        ) from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ConfigError(f"--login: {module_name!r} has no callable {attribute!r}.")
    return function


def find_user(username: str) -> Any:
    """The user named ``username`` in the test database; ConfigError if there is none."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        raise ConfigError(
            f"User {username!r} does not exist in the test database; create it in the setup "
            "callable or a fixture, or pass another --user."
        ) from None


def admin_username() -> str:
    """A superuser to browse the admin as: the first one, else one created in the test database."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    found = model._default_manager.filter(is_superuser=True).order_by("pk").first()
    if found is None:
        fields = {model.USERNAME_FIELD: ADMIN_USERNAME}
        if (
            "email" in {f.name for f in model._meta.get_fields()}
            and model.USERNAME_FIELD != "email"
        ):
            fields["email"] = "perfaudit-admin@example.invalid"
        try:
            found = model._default_manager.create_superuser(password=None, **fields)
        except Exception as exc:
            raise ProjectError(
                f"Creating a superuser for --include-admin failed: {type(exc).__name__}: {exc}; "
                "create one in the setup callable or a fixture.".splitlines()[0]
            ) from exc
    return str(found.get_username())


def login_problem(
    login: Login | None, response: Any, expect: int | None, is_discovered: bool = False
) -> str | None:
    """Why a logged-in request did not audit the page of the logged-in user, or None.

    A discovered route that answers 403 to a user the view saw logged in is a page that user
    may not see (an admin-only route for an editor): a 4xx like any other discovered one,
    reported as not audited, not a failed login.
    """
    if login is None or response.status_code == expect:
        return None
    hint = "pass --login MOD:FUNC to log in as the project does"
    try:
        seen = getattr(getattr(response, "wsgi_request", None), "user", None)
        is_anonymous = seen is not None and not seen.is_authenticated
        is_logged_in = seen is not None and bool(seen.is_authenticated)
    except Exception:  # the lazy user failed to load: the view's own problem, not the login's
        is_anonymous = is_logged_in = False
    # No ``request.user`` at all: no AuthenticationMiddleware and no DRF view; cannot tell.
    if is_anonymous:
        return f"logged in as {login.username}, but the view saw an anonymous user: {hint}"
    if response.status_code == 403 and is_discovered and is_logged_in:
        return None
    if response.status_code in (401, 403):
        return (
            f"logged in as {login.username}, but the view answered {response.status_code}: the "
            f"user lacks a permission, or the login is not the one the view reads ({hint})"
        )
    return None
