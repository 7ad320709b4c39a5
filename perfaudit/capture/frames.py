"""Read one query's Python stack: what each frame is, and what the frames together tell.

Each code object gets a role once (cached by identity): the audited project's code, a library,
or one of the few Django/DRF/Jinja2 functions whose frames say something about the query (a
related descriptor, a queryset method, a save, a signal, a template node, the request handler).
:func:`walk_stack` walks a query's stack innermost frame first and keeps what capture needs.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from types import CodeType, FrameType
from typing import Any

import django

import perfaudit

_DJANGO = os.path.dirname(django.__file__) + os.sep
_PERFAUDIT = os.path.dirname(perfaudit.__file__) + os.sep
_LIBRARY_DIRS = tuple(
    {
        os.path.realpath(p) + os.sep
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_paths().get(key))
    }
    | {p + os.sep for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
)
_LIBRARY_DIRS_DEEPEST_FIRST = tuple(sorted(_LIBRARY_DIRS, key=len, reverse=True))

# Frame roles, decided once per code object.
USER, LIBRARY, STOP = "user", "library", "stop"
DESCRIPTOR, MANAGER, QUERYSET, DEFERRED, PREFETCH = "desc", "mgr", "qs", "deferred", "prefetch"
NODE, GET_RESPONSE, HANDLER, AUTH = "node", "get_response", "handler", "auth"
GENERIC_FK, CONTENT_TYPE_CACHE, SAVE, DELETE, RELATED_WRITE = (
    "gfk", "ct_cache", "save", "delete", "related_write"
)  # fmt: skip
SIGNAL, SERIALIZER, ADMIN_LIST, JINJA = "signal", "serializer", "admin_list", "jinja"
ADMIN_COUNT, FACTORY = "admin_count", "factory"

_DJANGO_ROLES: dict[tuple[str, str], str] = {
    ("db/models/fields/related_descriptors.py", "__get__"): DESCRIPTOR,
    ("db/models/fields/related_descriptors.py", "count"): MANAGER,
    ("db/models/fields/related_descriptors.py", "exists"): MANAGER,
    ("db/models/manager.py", "manager_method"): MANAGER,
    ("db/models/query_utils.py", "__get__"): DEFERRED,
    ("db/models/base.py", "refresh_from_db"): DEFERRED,
    ("db/models/base.py", "save_base"): SAVE,
    ("db/models/base.py", "delete"): DELETE,
    ("db/models/query.py", "prefetch_related_objects"): PREFETCH,
    ("contrib/contenttypes/fields.py", "__get__"): GENERIC_FK,
    ("contrib/contenttypes/models.py", "get_for_id"): CONTENT_TYPE_CACHE,
    ("contrib/contenttypes/models.py", "get_for_model"): CONTENT_TYPE_CACHE,
    ("contrib/contenttypes/models.py", "get_for_models"): CONTENT_TYPE_CACHE,
    ("dispatch/dispatcher.py", "send"): SIGNAL,
    ("dispatch/dispatcher.py", "send_robust"): SIGNAL,
    ("contrib/admin/templatetags/admin_list.py", "items_for_result"): ADMIN_LIST,
    ("contrib/admin/views/main.py", "get_results"): ADMIN_COUNT,
    ("template/base.py", "render_annotated"): NODE,
    ("core/handlers/base.py", "_get_response"): GET_RESPONSE,
    ("core/handlers/base.py", "get_response"): HANDLER,
    ("contrib/auth/__init__.py", "get_user"): AUTH,
    ("contrib/auth/middleware.py", "get_user"): AUTH,
}
_RELATED_WRITES = frozenset({"add", "remove", "clear", "set", "create"})
_QUERYSET_METHODS = frozenset(
    {"_fetch_all", "count", "exists", "aggregate", "get", "first", "last", "contains", "in_bulk",
     "latest", "earliest"}
)  # fmt: skip
# Children of BaseHandler._get_response that are not the view being called.
_NOT_THE_VIEW = frozenset(
    {"process_view", "resolve_request", "make_view_atomic", "process_exception_by_middleware",
     "check_response", "process_template_response"}
)  # fmt: skip
_DRF_SERIALIZERS = os.sep + os.path.join("rest_framework", "serializers.py")
_DRF_REQUEST = os.sep + os.path.join("rest_framework", "request.py")
# Test-data factories: the project's save() they call is not the project's line that asked.
_FACTORY_PACKAGES = frozenset(
    {"factory", "model_bakery", "model_mommy", "mixer", "pytest_factoryboy",
     "django_dynamic_fixture", "ddf"}
)  # fmt: skip
# pytest's frames that call a test function or a fixture: the thirty-odd frames of pytest and
# pluggy above them say nothing about a query, so the walk of a test's query ends there.
_PYTEST = os.sep + "_pytest" + os.sep
_TEST_CALLERS = frozenset(
    {("python.py", "pytest_pyfunc_call"), ("fixtures.py", "call_fixture_func"),
     ("unittest.py", "runtest")}
)  # fmt: skip
# Keyed by id(): hashing a code object hashes its bytecode, on every frame of every query.
# _codes keeps each classified code object alive, so that no other object can take its id.
_roles: dict[int, str] = {}
_codes: list[CodeType] = []


def frame_role(code: CodeType) -> str:
    """What a frame running ``code`` tells capture; cached per code object."""
    role = _roles.get(id(code))
    if role is None:
        role = _classify(code.co_filename, code.co_name)
        _codes.append(code)
        _roles[id(code)] = role
    return role


def _classify(filename: str, name: str) -> str:
    if filename.startswith(_PERFAUDIT):
        return STOP
    if filename.startswith(_DJANGO):
        relative = filename[len(_DJANGO) :].replace(os.sep, "/")
        role = _DJANGO_ROLES.get((relative, name))
        if role is not None:
            return role
        if relative == "db/models/query.py" and name in _QUERYSET_METHODS:
            return QUERYSET
        if relative == "db/models/fields/related_descriptors.py" and name in _RELATED_WRITES:
            return RELATED_WRITE
        if relative.startswith("contrib/sessions/"):
            return AUTH
        return LIBRARY
    if _PYTEST in filename and (os.path.basename(filename), name) in _TEST_CALLERS:
        return STOP
    if filename.endswith(_DRF_SERIALIZERS) and name == "to_representation":
        return SERIALIZER
    if filename.endswith(_DRF_REQUEST) and name == "_authenticate":
        return AUTH  # the authentication classes, run when the view first reads request.user
    if filename == "<template>":  # Jinja2's Environment.from_string()
        return JINJA
    if filename.startswith("<"):
        return LIBRARY
    for directory in _LIBRARY_DIRS_DEEPEST_FIRST:  # site-packages may be inside the stdlib's
        if filename.startswith(directory):
            package = filename[len(directory) :].split(os.sep, 1)[0]
            return FACTORY if package in _FACTORY_PACKAGES else LIBRARY
    # Jinja2 compiles a template file into code whose filename is the template's.
    return USER if filename.endswith(".py") else JINJA


# What walk_stack() returns, in this order.
Walk = tuple[
    "FrameType | None",  # callsite: the first frame of the project's code
    "tuple[str, int | None] | None",  # template: (template name, line)
    "tuple[str, FrameType] | None",  # declaration: the DRF/admin frame, inside it
    "tuple[str, FrameType] | None",  # trigger_frame: (role, a descriptor/manager/deferred frame)
    "FrameType | None",  # queryset_frame: the innermost QuerySet method
    str,  # operation: the QuerySet method nearest the project's code
    "tuple[str, FrameType] | None",  # write_frame: (role, a save/delete/related write)
    "FrameType | None",  # gfk_frame: a GenericForeignKey read
    bool,  # is_content_type_cache
    bool,  # is_prefetch
    bool,  # is_framework: run by middleware or authentication, not by the view
    str,  # signal: "post_save of app.Model" when a signal handler ran it
    "FrameType | None",  # fired_by: the project frame that sent that signal
    int,  # statement: see CapturedQuery.statement
]


def walk_stack(frame: FrameType | None) -> Walk:
    """What a query's stack says, read in one walk from ``frame`` outwards.

    Runs for every query: locals until the end, one tuple out; identity tests on the role
    constants; the commonest roles first.
    """
    role_of = _roles.get
    callsite = fired_by = queryset_frame = gfk_frame = child = outermost = None
    statement = -1
    template: tuple[str, int | None] | None = None
    declaration = trigger_frame = write_frame = None
    operation = signal = ""
    signal_seen = is_content_type_cache = is_prefetch = is_auth = False
    in_request = in_view = False
    while frame is not None:
        code = frame.f_code
        role = role_of(id(code)) or frame_role(code)
        if role is LIBRARY:
            pass
        elif role is USER:
            outermost = frame
            if callsite is None:
                # A model's own save()/delete() override: the line calling it is the site.
                if write_frame is None or not _is_own_write(frame, write_frame[1]):
                    callsite = frame
            elif signal_seen and fired_by is None:
                fired_by = frame
        elif role is QUERYSET:
            if queryset_frame is None:
                queryset_frame = frame
            if callsite is None:
                operation = code.co_name
        elif role is DESCRIPTOR or role is MANAGER or role is DEFERRED:
            if trigger_frame is None:
                trigger_frame = (role, frame)
        elif role is GET_RESPONSE or role is HANDLER:
            # The request's handler: the frames above it are middleware and the caller's.
            in_request = True
            in_view = role is GET_RESPONSE and (
                child is not None and child.f_code.co_name not in _NOT_THE_VIEW
            )
            if in_view or role is HANDLER:
                break
        elif role is STOP:  # pytest's call of the test: the frame below is the test's
            if outermost is not None:
                statement = outermost.f_lasti
            break
        elif role is SAVE or role is DELETE or role is RELATED_WRITE:
            # Only the write's own statements: a signal handler's queries are its own.
            if callsite is None and write_frame is None:
                write_frame = (role, frame)
        elif role is SIGNAL:
            if callsite is not None and not signal_seen:
                signal_seen = True
                signal = _signal_name(frame)
        elif role is NODE:
            if template is None:
                template = _django_template(frame.f_locals.get("self"))
        elif role is JINJA:
            jinja = frame.f_globals.get("__jinja_template__")
            if jinja is None:
                if callsite is None and code.co_filename[0] != "<":
                    callsite = frame
            elif template is None:
                name = jinja.name or jinja.filename or "<template>"
                template = (str(name), jinja.get_corresponding_lineno(frame.f_lineno))
        elif role is GENERIC_FK:
            if callsite is None and gfk_frame is None:
                gfk_frame = frame
        elif role is CONTENT_TYPE_CACHE:
            is_content_type_cache = True
        elif role is ADMIN_COUNT:
            # The change list's own counts: no project line runs them, its ModelAdmin does.
            if callsite is None and declaration is None:
                declaration = (role, frame)
        elif role is SERIALIZER or role is ADMIN_LIST:
            # A ListSerializer's loop has no field of its own: its parent's frame does.
            if (
                callsite is None
                and declaration is None
                and (role is ADMIN_LIST or "field" in frame.f_locals)
            ):
                declaration = (role, frame)
        elif role is PREFETCH:
            is_prefetch = True
        elif role is FACTORY:
            # factory_boy, model_bakery...: the project's save() they ran is data setup; the
            # call site is the line that called the factory (a test's: scaffolding).
            if callsite is not None and not signal_seen:
                callsite = None
        elif role is AUTH:
            is_auth = True
        child = frame
        frame = frame.f_back
    return (
        callsite,
        template,
        declaration,
        trigger_frame,
        queryset_frame,
        operation,
        write_frame,
        gfk_frame,
        is_content_type_cache,
        is_prefetch,
        is_auth or (in_request and not in_view),
        signal,
        fired_by,
        statement,
    )


def _is_own_write(frame: FrameType, write: FrameType) -> bool:
    """Whether ``frame`` is the written instance's own save()/delete() (a project override)."""
    is_save = frame.f_code.co_name in ("save", "delete")
    return is_save and frame.f_locals.get("self") is write.f_locals.get("self")


def _django_template(node: Any) -> tuple[str, int | None] | None:
    origin = getattr(node, "origin", None)
    if origin is None:
        return None
    token = getattr(node, "token", None)
    return str(origin.template_name or origin.name), getattr(token, "lineno", None)


def _signal_name(frame: FrameType) -> str:
    from django.db.models import signals

    signal = frame.f_locals.get("self")
    sender = frame.f_locals.get("sender")
    for name in ("pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed"):
        if signal is getattr(signals, name):
            meta = getattr(sender, "_meta", None)
            return name + ("" if meta is None else f" of {meta.label}")
    return ""


def is_library_file(filename: str) -> bool:
    """Whether ``filename`` belongs to the standard library or an installed package, even when
    the virtualenv sits inside the project's directory."""
    return filename.startswith(_LIBRARY_DIRS)
