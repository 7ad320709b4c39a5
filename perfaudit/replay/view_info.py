"""What a view callback tells without being called: the methods it accepts, its model, and
the rows of the test database that fill its route's parameters.

Read from what Django and DRF attach to the callbacks they build: ``view_class``/``cls`` and
their init kwargs (class-based views, DRF views), ``actions`` (DRF viewsets), ``model_admin``
(admin views), and the method list that ``require_http_methods`` keeps in its closure.
"""

from __future__ import annotations

import uuid
from typing import Any

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def view_methods(view: Any) -> tuple[str, ...] | None:
    """The methods ``view`` answers (upper case, sorted), or None when it cannot be told."""
    actions = getattr(view, "actions", None)
    if isinstance(actions, dict) and actions:
        return tuple(sorted(m.upper() for m in actions if m in HTTP_METHODS))
    cls = _view_class(view)
    if cls is not None:
        names = getattr(cls, "http_method_names", HTTP_METHODS)
        return tuple(sorted(m.upper() for m in HTTP_METHODS if m in names and hasattr(cls, m)))
    # require_http_methods / require_GET / require_POST keep the list in the wrapper's closure.
    current = view
    while current is not None:
        code = getattr(current, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = current.__closure__[code.co_freevars.index("request_method_list")]
            return tuple(sorted({str(m).upper() for m in cell.cell_contents} & _upper()))
        current = getattr(current, "__wrapped__", None)
    return None


def _upper() -> set[str]:
    return {m.upper() for m in HTTP_METHODS}


def _view_class(view: Any) -> Any:
    return getattr(view, "cls", None) or getattr(view, "view_class", None)


def _init_kwargs(view: Any) -> dict[str, Any]:
    return dict(getattr(view, "initkwargs", None) or getattr(view, "view_initkwargs", None) or {})


def view_queryset(view: Any) -> Any:
    """The view's queryset (or its model's default manager), or None when it has no model."""
    model_admin = getattr(view, "model_admin", None)
    if model_admin is not None:
        return model_admin.model._default_manager.all()
    cls = _view_class(view)
    if cls is None:
        return None
    kwargs = _init_kwargs(view)
    queryset = kwargs.get("queryset", getattr(cls, "queryset", None))
    if queryset is not None and hasattr(queryset, "model"):
        queryset = queryset.all()
        # ``Model.objects.none()``, declared for DRF's router while get_queryset() builds the
        # real one per request: the model's own rows fill the route.
        return queryset.model._default_manager.all() if queryset.query.is_empty() else queryset
    model = kwargs.get("model", getattr(cls, "model", None))
    if model is None:  # DRF views that only override get_queryset(): the serializer's model
        serializer = kwargs.get("serializer_class", getattr(cls, "serializer_class", None))
        model = getattr(getattr(serializer, "Meta", None), "model", None)
    return model._default_manager.all() if model is not None else None


def lookup_field(view: Any, param: str, model: Any) -> str | None:
    """The field of ``model`` the route keyword ``param`` selects by, or None."""
    cls = _view_class(view)
    kwargs = _init_kwargs(view)
    if getattr(view, "model_admin", None) is not None and param == "object_id":
        return "pk"
    if cls is not None:
        drf_field = kwargs.get("lookup_field", getattr(cls, "lookup_field", None))
        drf_kwarg = kwargs.get("lookup_url_kwarg", getattr(cls, "lookup_url_kwarg", None))
        if drf_field is not None and param == (drf_kwarg or drf_field):
            return str(drf_field)
        if param == getattr(cls, "pk_url_kwarg", None):
            return "pk"
        if param == getattr(cls, "slug_url_kwarg", None):
            return str(getattr(cls, "slug_field", "slug"))
    if param in ("pk", "id"):
        return "pk" if param == "pk" or not _has_field(model, "id") else "id"
    return _field_name(model, param)


def _has_field(model: Any, name: str) -> bool:
    return _field_name(model, name) is not None


def _field_name(model: Any, name: str) -> str | None:
    """``name`` as a concrete field of ``model`` (by name or attname: ``author_id``)."""
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return str(field.attname)
    return None


def find_values(
    view: Any, params: tuple[str, ...], elsewhere: dict[str, object | None] | None = None
) -> dict[str, object] | str:
    """A value per route parameter from the test database, or why there is none.

    ``elsewhere`` keeps, for one discovery, the value found for a parameter no view model
    names: thousands of routes share a handful of parameter names, and each search queries
    every model that has such a field."""
    values: dict[str, object] = {}
    if not params:
        return values
    if getattr(view, "model_admin", None) is not None and params == ("object_id",):
        return _admin_object_id(view)
    queryset = view_queryset(view)
    own = {}
    if queryset is not None:
        own = {p: f for p in params if (f := lookup_field(view, p, queryset.model)) is not None}
    if own:
        row = _first_row(queryset, own)
        if isinstance(row, str):
            return row
        values.update(row)
    for param in params:
        if param in values:
            continue
        if elsewhere is None:
            found = _value_elsewhere(param)
        elif param in elsewhere:
            found = elsewhere[param]
        else:
            found = elsewhere[param] = _value_elsewhere(param)
        if isinstance(found, Ambiguous):
            own_model = f" not a field of {_label(queryset.model)}," if queryset else ""
            return (
                f"no value for <{param}>:{own_model} a field of {len(found)} models with rows "
                f"({', '.join(found)}): cannot tell which; replay it with --url or from a "
                "requests file (--requests)"
            )
        if found is None:
            if queryset is None and (unknown := _unknown_model(view)) is not None:
                return unknown
            if queryset is None and param in ("pk", "id"):  # every model has one: whose?
                return (
                    f"no value for <{param}>: the view names no model, so whose {param} cannot "
                    "be told; replay it with --url or from a requests file (--requests)"
                )
            where = f" on {_label(queryset.model)}" if queryset is not None else ""
            return (
                f"no value for <{param}>: no field{where} or model of that name has a row "
                "in the test database"
            )
        values[param] = found
    return values


def _unknown_model(view: Any) -> str | None:
    """Why the model of a generic view (one with ``get_queryset``) cannot be told, or None for
    a view that has no model to tell (a function, a plain ``View``)."""
    cls = _view_class(view)
    if cls is None or not hasattr(cls, "get_queryset"):
        return None
    return (
        f"cannot tell the model of {cls.__module__}.{cls.__qualname__}: it declares no queryset, "
        "model or serializer_class; replay it with --url or from a requests file (--requests)"
    )


def _admin_object_id(view: Any) -> dict[str, object] | str:
    """The admin's own id of its first object: ``quote(obj.pk)``, as its changelist links it
    (``pk`` may be a property, as on DRF's TokenProxy)."""
    from django.contrib.admin.utils import quote

    model = view.model_admin.model
    found = model._default_manager.order_by("pk").first()
    if found is None:
        return f"no {_label(model)} row in the test database to fill the route"
    return {"object_id": quote(found.pk)}


def _first_row(queryset: Any, fields: dict[str, str]) -> dict[str, object] | str:
    from django.core.exceptions import FieldError
    from django.db import DatabaseError

    columns = sorted(set(fields.values()))
    try:
        filtered = queryset.exclude(**{f"{c}__isnull": True for c in columns})
        row = filtered.order_by("pk").values(*columns).first()
    except (FieldError, ValueError, TypeError, DatabaseError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot read {', '.join(columns)} of {_label(queryset.model)}: {detail}"
    if row is None:
        return f"no {_label(queryset.model)} row in the test database to fill the route"
    return {param: row[field] for param, field in fields.items()}


class Ambiguous(tuple[str, ...]):
    """The models whose rows could fill a parameter, when more than one could: a guess among
    them fills a route with another model's value (a Tag's slug for a Child's page)."""


def _value_elsewhere(param: str) -> object | None:
    """The first value of a field named ``param``: the pk of a model that ``book_id`` names
    (Book), else the field of that name in the one model that has rows of it; Ambiguous
    when several have."""
    from django.apps import apps

    models = apps.get_models()
    for model in models:
        name = model._meta.model_name
        if _field_name(model, param) is None and param in (f"{name}_id", f"{name}_pk"):
            value = _first_value(model, "pk")
            if value is not None:
                return value
    found = {}
    for model in models:
        field = _field_name(model, param)
        value = None if field is None else _first_value(model, field)
        if value is not None:
            found[_label(model)] = value
    if len(found) > 1:
        return Ambiguous(found)
    return next(iter(found.values()), None)


def _first_value(model: Any, field: str) -> object | None:
    from django.db import DatabaseError

    try:
        value = (
            model._default_manager.exclude(**{f"{field}__isnull": True})
            .order_by("pk")
            .values_list(field, flat=True)
            .first()
        )
    except DatabaseError:  # an unmanaged model without its table, say
        return None
    return value if isinstance(value, int | str | uuid.UUID) else None


def _label(model: Any) -> str:
    return f"{model._meta.app_label}.{model.__name__}"
