"""The frozen dataclasses that carry data between perfaudit's layers, and the vocabulary they
share (the finding kinds, the N+1 threshold).

capture produces :class:`CapturedQuery` (with its :class:`CallSite` and, when the ORM frame
shows it, a :class:`Trigger`); detect turns a request's queries into :class:`Finding`; replay
wraps one request into a :class:`RequestAudit`. Plain dicts exist only at the JSON boundary:
the report documents and the baseline files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

# CallSite.declaration of the admin change list's own COUNT queries: capture sets it, the fix
# (set show_full_result_count = False) is chosen by it.
ADMIN_COUNT_DECLARATION = "change list count"
# The same, when the ModelAdmin is an installed library's (django.contrib.auth's GroupAdmin):
# the switch is set on a subclass registered in its place.
LIBRARY_ADMIN_COUNT_DECLARATION = "change list count of a library ModelAdmin"

# Finding.kind, in the order reports count them; --fail-on and `ignore` rules name these.
FINDING_KINDS = ("n_plus_one", "duplicate", "unused_eager_load")

# The N+1 threshold: how many executions of one query shape at one call site make an N+1.
# One query per row needs two rows to show, so 2 is both the least it may be and the default
# (scan's --threshold and `threshold` key, the pytest plugin's, detect_findings' argument).
MIN_THRESHOLD = 2
DEFAULT_THRESHOLD = MIN_THRESHOLD


@dataclass(frozen=True)
class CallSite:
    """Where user code issued a query: the first frame outside Django, site-packages, perfaudit."""

    file: str  # relative to the project root when inside it
    line: int
    function: str
    template: str | None = None  # template name when the query ran while a template rendered
    template_line: int | None = None
    # When the query ran inside library code on behalf of a project declaration (a DRF
    # serializer field, a ModelAdmin list_display entry), what that declaration is:
    # "serializer field 'author'", "list_display 'author'". file/line then point at it.
    declaration: str | None = None


@dataclass(frozen=True)
class Trigger:
    """The ORM access that issued a query, read from the ORM frame on the stack.

    kind is one of:
      ``forward``           FK or one-to-one read from the owning side (review.author)
      ``reverse_one_to_one`` reverse one-to-one (user.customer)
      ``reverse_fk``        reverse FK manager iterated (product.reviews.all())
      ``m2m``               many-to-many manager iterated (product.tags.all())
      ``related_count``     a related manager's count()
      ``related_exists``    a related manager's exists()
      ``related_filter``    a related manager's filter()/exclude()/order_by(): bypasses a prefetch
      ``related_first``     a related queryset's first()/last()/latest()/earliest()
      ``related_aggregate`` a related queryset's aggregate(Sum(...)) and the like
      ``generic_fk``        a GenericForeignKey read (comment.content_object)
      ``deferred``          a deferred field loaded on access (only()/defer())
      ``row_save``          Model.save() (an INSERT or UPDATE of one row)
      ``row_delete``        Model.delete() of one row
      ``m2m_write``         a many-to-many manager's add()/remove()/set()/clear()
      ``related_write``     a reverse FK manager's add()/create()/remove()
      ``content_type_cache`` a ContentType lookup filling Django's per-process cache
      ``queryset``          a hand-written query with no relation access on the stack

    The fields after ``target`` refine the fix and are left out of equality and hashing, so a
    relation stays one relation whatever was done with it.
    """

    kind: str
    model: str  # "app_label.Model" that owns the accessed attribute
    field: str  # the attribute accessed: "author", "tags", "reviews", "description"
    target: str = ""  # "app_label.Model" the relation points to ("" for deferred/queryset)
    # The QuerySet method that ran the query: "exists", "first", "aggregate", "count", ...
    operation: str = dataclasses.field(default="", compare=False)
    # aggregate(): the expressions, written from the owner ("Sum('items__price')").
    aggregates: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    # The owner model's Meta.ordering: Django drops it from queries with an aggregate.
    ordering: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    # The target's field that points back at the owner ("book" for Book.reviews).
    remote: str = dataclasses.field(default="", compare=False)
    # The name the owner's lookups use for the relation when it is not ``field``: Count() and
    # filter() take "bookinstance" for the accessor "bookinstance_set".
    lookup: str = dataclasses.field(default="", compare=False)


@dataclass(frozen=True, slots=True, weakref_slot=True)
class CapturedQuery:
    """One executed SQL statement.

    Slots: a test captures thousands, and each is then one object for the garbage collector
    instead of two (an object and its ``__dict__``).
    """

    sql: str
    params: tuple[object, ...] | None
    duration_ms: float
    alias: str
    callsite: CallSite | None
    trigger: Trigger | None = None
    is_framework: bool = False  # issued by middleware/authentication (session, user lookups)
    many: bool = False  # executemany()
    # A query run by a signal handler (post_save, ...): the signal and the project line whose
    # write sent it ("post_save of shop.Book", the loop calling save()).
    signal: str = ""
    fired_by: CallSite | None = None
    # Outside a request, in a test: the instruction of the test's own (outermost project)
    # frame that the query ran under; queries in a row with one value came from one
    # statement of the test. -1 inside a request, or with no test frame on the stack.
    statement: int = -1


@dataclass(frozen=True)
class EagerLoad:
    """A select_related/prefetch_related path and whether its related objects were read."""

    model: str
    path: str
    kind: str  # "select_related" | "prefetch_related"
    callsite: CallSite | None
    was_read: bool
    kept_path: str = ""  # nested paths: the leading segments that were read ("author")


@dataclass(frozen=True)
class Finding:
    """A problem found in one request's queries."""

    kind: str  # one of FINDING_KINDS
    fingerprint: str
    count: int
    table: str | None
    model: str | None
    field: str | None  # may be a nested path: "author__user"
    suggestion: str
    callsite: CallSite | None
    sample_sql: str
    is_best_effort: bool = False  # unused_eager_load is a heuristic
    fired_by: CallSite | None = None  # a signal handler's N+1: the write that sent the signal


@dataclass(frozen=True)
class RequestSpec:
    """One request to replay: from ``--url``, a requests file, a scenario or discovery.

    ``view`` is the callback the path resolved to when it was planned, so that the login can
    choose the credentials that view reads without resolving the path a second time.
    """

    name: str
    method: str
    path: str
    user: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    data: bytes = b""
    content_type: str | None = None
    expect: int | None = None
    route: str | None = None
    view: object = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class SkippedRoute:
    """A route of the URLconf that discovery did not replay, and why."""

    route: str
    reason: str


@dataclass(frozen=True)
class RequestAudit:
    """One replayed request: its response, its queries and what detect found in them."""

    name: str
    method: str
    path: str
    status: int
    duration_ms: float
    queries: tuple[CapturedQuery, ...]
    findings: tuple[Finding, ...] = ()
    error: str | None = None  # why the request failed: the view raised, a 5xx, a wrong status...
    user: str | None = None
    body: bytes = field(default=b"", repr=False, compare=False)
    failure: str | None = None  # "raised" | "server_error" | "unexpected_status" | "not_logged_in"
    expect: int | None = None
    route: str | None = None  # the URL pattern, for discovered routes
    redirect: str | None = None  # a 3xx response's Location: the page itself was not rendered

    @property
    def query_count(self) -> int:
        return len(self.queries)

    @property
    def view_query_count(self) -> int:
        """Queries the view itself issued, without middleware/authentication ones."""
        return sum(1 for q in self.queries if not q.is_framework)

    @property
    def sql_ms(self) -> float:
        return sum(q.duration_ms for q in self.queries)


@dataclass(frozen=True)
class Timing:
    """Latency statistics of one twin at one scale, over ``rounds`` runs."""

    min_ms: float
    median_ms: float
    iqr_ms: float
    rounds: int
