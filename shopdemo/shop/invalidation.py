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
    transaction_bump,
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
        # A customer's user is the author named on its reviews.
        Customer: frozenset({ORDERS, DASHBOARD, PRODUCTS}),
        Order: frozenset({ORDERS, DASHBOARD}),
        OrderItem: frozenset({ORDERS, DASHBOARD}),
        # Users' names are the review authors on product pages.
        get_user_model(): frozenset({PRODUCTS}),
    }


def order_pages(user_id: int | None) -> Namespaces:
    # A customer already gone: its user is unknown, so every customer's orders go.
    return frozenset({DASHBOARD, ORDERS if user_id is None else orders_namespace(user_id)})


def parent_namespaces(model: type[Model], parent_id: Any, using: str) -> Namespaces:
    """The namespaces a row of ``model`` shows up in, from its parent's id.

    Order and OrderItem rows need their parent's user: one ``LIMIT 1`` query. Inside a
    transaction the answer is memoized on the open :class:`GenerationBump` of the current
    level, so a cascade delete or a loop of saves looks up each parent once, not once per row.
    Deleting a customer with 58 orders and 134 items (seed 7) ran 192 lookups in 200 queries;
    now 59 in 67 (58 orders, 1 customer). Ten items saved into one order in one atomic block:
    10 lookups, now 1. In autocommit mode nothing is pending, so nothing is memoized: each row
    is looked up, after its own commit, as before (``order.save()``: 2 queries besides the
    UPDATE, the row's old customer and the customer's user).

    Why an answer from the memo is good enough, although the parent's user may change later in
    the same transaction:

    * Pages are bumped at commit; what must hold is that the union of everything the
      transaction bumps covers every page its writes changed: for each row written, the pages
      of its parent's user before the transaction and at commit.
    * A memo entry can only be stale if a write in this transaction changed the parent -> user
      mapping after the lookup, and each such write bumps both sides itself: a Customer update
      bumps ``orders`` (every customer), a Customer created (a reused id) or deleted bumps its
      own user's pages, an order moved to another customer bumps the old and the new
      customer's users' pages, ``bulk_write(Order)`` and ``bulk_write(Customer)`` bump
      ``orders``. The lookups those writes make are covered the same way, by induction over
      the writes. So a stale answer only adds a needless bump of the old user's pages.
    * Every such write bumps into the same transaction: the memo is used only while its bump
      is the open one of the current level (last in ``run_on_commit``, same savepoint ids, not
      run), where those writes merge. A savepoint rolled back drops its bump, its memo and its
      writes together; a deeper level, a cascade delete inside an atomic block (Django marks it
      with a ``None`` savepoint id), a callback registered after it or a bump that ran (a
      test's captured commit) each start a new memo, so no level reads another's entries.

    Against *concurrent* transactions, a lookup always ran before this transaction's commit,
    so another transaction that reassigns the parent and commits in between could already
    leave a page stale until its TTL; the memo widens that window from one statement to the
    rest of the transaction. Relations cached on the instance (``item.order.customer``) are
    not used: they may be stale, or changed and not saved.
    """
    if model is Review:
        return frozenset({CATALOG, DASHBOARD, product_namespace(parent_id)})
    bump = transaction_bump(using)
    key = (model, parent_id)
    if bump is not None and key in bump.lookups:
        return bump.lookups[key]
    if model is Order:
        customers = Customer.objects.using(using).filter(pk=parent_id)
        names = order_pages(customers.values_list("user_id", flat=True).first())
    else:
        orders = Order.objects.using(using).filter(pk=parent_id)
        names = order_pages(orders.values_list("customer__user_id", flat=True).first())
    if bump is not None:
        bump.lookups[key] = names
    return names


def row_namespaces(
    instance: Model, *, is_update: bool, update_fields: Any, using: str
) -> Namespaces:
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
            if update_fields is None or {"user", "user_id"} & set(update_fields):
                # Its reviews then carry the new user's name as their author.
                names.add(PRODUCTS)
        return frozenset(names)
    if model in PARENT_FIELDS:
        return parent_namespaces(model, getattr(instance, PARENT_FIELDS[model]), using)
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
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    rows = sender._default_manager.using(using).filter(pk=instance.pk)
    old = rows.values_list(field, flat=True).first()
    if old is not None and old != getattr(instance, field):
        LOCAL.moved_from[id(instance)] = parent_namespaces(sender, old, using)


def saved(sender: type[Model], instance: Model, created: bool, raw: bool, **kwargs: Any) -> None:
    if is_muted(sender):
        return
    moved_from = LOCAL.moved_from.pop(id(instance), frozenset())
    update_fields = kwargs.get("update_fields")
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    if raw:
        # Fixture loading: related rows may not exist yet, so look nothing up.
        names = bulk_namespaces()[sender]
    else:
        names = row_namespaces(
            instance, is_update=not created, update_fields=update_fields, using=using
        )
    bump_on_commit(names | moved_from, using=using)


def deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if is_muted(sender):
        return
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    names = row_namespaces(instance, is_update=False, update_fields=None, using=using)
    bump_on_commit(names, using=using)


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
