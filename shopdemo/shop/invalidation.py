"""Which cached pages a write makes stale, and the receivers and helper that invalidate them.

Every write path ends in :func:`shopdemo.shop.cache.bump_on_commit`: nothing is invalidated
before the data is committed (a reader could re-cache the old rows in between), and a rolled
back transaction invalidates nothing.

* ``save()``, ``delete()`` (cascades and ``QuerySet.delete()`` included) and changes to
  ``Product.tags`` send signals; the receivers below bump exactly the affected namespaces.
* ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()``, raw SQL and any write to the
  ``Product.tags.through`` model itself (Django signals nothing for auto-created through models)
  send none: wrap them in :func:`bulk_write`, which bumps every namespace the named models can
  appear in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from shopdemo.shop.cache import (
    CATALOG,
    DASHBOARD,
    ORDERS,
    PRODUCTS,
    bump_on_commit,
    orders_namespace,
    product_namespace,
)
from shopdemo.shop.models import Category, Customer, Order, OrderItem, Product, Review, Tag

Namespaces = frozenset[str]
# The foreign key whose old value names pages too when an update moves a row to a new parent.
PARENT_FIELDS: dict[type[Model], str] = {
    Review: "product_id",
    Order: "customer_id",
    OrderItem: "order_id",
}


class Local(threading.local):
    """Per-thread state of the receivers."""

    def __init__(self) -> None:
        # Models whose receivers bulk_write() silences: it bumps their namespaces wholesale.
        self.muted: set[type[Model]] = set()
        # Namespaces of a row's parent before an update, from pre_save to post_save.
        self.moved_from: dict[int, Namespaces] = {}


LOCAL = Local()


def bulk_namespaces() -> dict[type[Model], Namespaces]:
    """Every namespace a row of each model can appear in, for writes that name no rows."""
    return {
        Category: frozenset({CATALOG, PRODUCTS, DASHBOARD}),
        Tag: frozenset({CATALOG, PRODUCTS}),
        Product: frozenset({CATALOG, PRODUCTS, ORDERS, DASHBOARD}),
        Product.tags.through: frozenset({CATALOG, PRODUCTS}),
        Review: frozenset({CATALOG, PRODUCTS, DASHBOARD}),
        Customer: frozenset({ORDERS, DASHBOARD}),
        Order: frozenset({ORDERS, DASHBOARD}),
        OrderItem: frozenset({ORDERS, DASHBOARD}),
        # Users' names are the review authors on product pages.
        get_user_model(): frozenset({PRODUCTS}),
    }


def order_pages(user_id: int | None) -> Namespaces:
    # A customer already gone: its user is unknown, so every customer's orders go.
    return frozenset({DASHBOARD, ORDERS if user_id is None else orders_namespace(user_id)})


def parent_namespaces(model: type[Model], parent_id: Any) -> Namespaces:
    """The namespaces a row of ``model`` shows up in, from its parent's id."""
    if model is Review:
        return frozenset({CATALOG, DASHBOARD, product_namespace(parent_id)})
    if model is Order:
        customers = Customer.objects.filter(pk=parent_id)
        return order_pages(customers.values_list("user_id", flat=True).first())
    orders = Order.objects.filter(pk=parent_id)
    return order_pages(orders.values_list("customer__user_id", flat=True).first())


def row_namespaces(instance: Model, *, is_update: bool, update_fields: Any) -> Namespaces:
    """The namespaces one saved or deleted row shows up in."""
    model = type(instance)
    if model is Product:
        names = {CATALOG, DASHBOARD, product_namespace(instance.pk)}
        # Order lines show product names; a new or deleted product is on no order.
        if is_update and (update_fields is None or "name" in update_fields):
            names.add(ORDERS)
        return frozenset(names)
    if model is Customer:
        names = {DASHBOARD, orders_namespace(instance.user_id)}  # type: ignore[attr-defined]
        if is_update:
            # An update may hand the customer (and its orders) to another user.
            names.add(ORDERS)
        return frozenset(names)
    if model in PARENT_FIELDS:
        return parent_namespaces(model, getattr(instance, PARENT_FIELDS[model]))
    return bulk_namespaces()[model]


def is_muted(model: type[Model]) -> bool:
    return model in LOCAL.muted


def remember_parent(sender: type[Model], instance: Model, raw: bool, **kwargs: Any) -> None:
    """pre_save: before an update that may move the row, note its old parent's namespaces."""
    field = PARENT_FIELDS[sender]
    update_fields = kwargs.get("update_fields")
    if raw or is_muted(sender) or instance._state.adding:
        return
    if update_fields is not None and not {field, field.removesuffix("_id")} & set(update_fields):
        return
    old = sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
    if old is not None and old != getattr(instance, field):
        LOCAL.moved_from[id(instance)] = parent_namespaces(sender, old)


def saved(sender: type[Model], instance: Model, created: bool, raw: bool, **kwargs: Any) -> None:
    if is_muted(sender):
        return
    moved_from = LOCAL.moved_from.pop(id(instance), frozenset())
    update_fields = kwargs.get("update_fields")
    if raw:
        # Fixture loading: related rows may not exist yet, so look nothing up.
        names = bulk_namespaces()[sender]
    else:
        names = row_namespaces(instance, is_update=not created, update_fields=update_fields)
    bump_on_commit(names | moved_from, using=kwargs.get("using") or DEFAULT_DB_ALIAS)


def deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if is_muted(sender):
        return
    names = row_namespaces(instance, is_update=False, update_fields=None)
    bump_on_commit(names, using=kwargs.get("using") or DEFAULT_DB_ALIAS)


def user_saved(sender: type[Model], instance: Model, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    # A new user has written no review; a login only stamps last_login.
    if is_muted(sender) or created or (update_fields and set(update_fields) == {"last_login"}):
        return
    bump_on_commit({PRODUCTS}, using=kwargs.get("using") or DEFAULT_DB_ALIAS)


def tags_changed(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    if is_muted(sender) or action not in ("post_add", "post_remove", "post_clear"):
        return
    names = {CATALOG}
    if not reverse:
        names.add(product_namespace(instance.pk))
    elif pk_set is not None:
        names.update(product_namespace(pk) for pk in pk_set)
    else:
        # tag.products.clear(): which products lost the tag is no longer known.
        names.add(PRODUCTS)
    bump_on_commit(names, using=kwargs.get("using") or DEFAULT_DB_ALIAS)


def connect_receivers() -> None:
    """Connect the receivers (once; called from ``ShopConfig.ready``)."""
    models: tuple[type[Model], ...] = (Category, Tag, Product, Review, Customer, Order, OrderItem)
    for model in models:
        label = model._meta.label_lower
        post_save.connect(saved, sender=model, dispatch_uid=f"shop-cache-save-{label}")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"shop-cache-delete-{label}")
    for model in PARENT_FIELDS:
        label = model._meta.label_lower
        pre_save.connect(remember_parent, sender=model, dispatch_uid=f"shop-cache-move-{label}")
    post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="shop-cache-user")
    m2m_changed.connect(tags_changed, sender=Product.tags.through, dispatch_uid="shop-cache-tags")


@contextmanager
def bulk_write(*models: type[Model], using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Invalidate the cached pages of ``models`` after writes that send no signals.

    Wrap ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()`` and raw SQL::

        with bulk_write(Product):
            Product.objects.filter(category=old).update(category=new)

    Name every model whose table the block writes (``Product.tags.through`` for the tag
    links). The namespaces are bumped when the transaction commits, even if the block raises
    (in autocommit mode some rows may already be written); a rollback bumps nothing. Inside
    the block the receivers of these models stay silent, which makes mass deletes cheap too.
    """
    table = bulk_namespaces()
    unknown = [model for model in models if model not in table]
    if unknown or not models:
        known = ", ".join(sorted(model._meta.label for model in table))
        raise ValueError(
            f"bulk_write() takes the models written, from: {known}; got {unknown or 'none'!r}."
        )
    names = frozenset().union(*(table[model] for model in models))
    newly_muted = set(models) - LOCAL.muted
    LOCAL.muted |= newly_muted
    try:
        yield
    finally:
        LOCAL.muted -= newly_muted
        bump_on_commit(names, using=using)
