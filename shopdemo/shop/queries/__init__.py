"""Query building for the optimized views: every queryset they run is made in this package.

Rules kept throughout, each tied to a measured problem of the naive twins:

* to-one rows come with ``select_related``; to-many rows (a product's tags, an order's lines)
  come as a JSON array from one correlated subquery per row
  (:class:`~shopdemo.shop.queries.expressions.JsonArrayAgg`), so that a page is one query: a
  ``prefetch_related`` costs a round trip, its SQL compilation and model instances per related
  row, which on these pages weighed more than the rows' SQL;
* counts, sums and totals are computed by the database, as integer sums and counts rather
  than ``AVG`` (PostgreSQL's integer AVG differs from Python's in the last float digit), and
  per-row figures on paginated lists come from correlated subqueries, which the database runs
  only for the rows that survive LIMIT (a JOIN + GROUP BY before LIMIT aggregates the table);
* list views ``defer`` the large ``description`` and ``attributes`` fields and never read them.

The unfiltered querysets (annotations, joins, column lists) are built once per process by the
cached ``*_shape`` functions and only filtered per request: building the correlated subqueries
anew cost about 0.4 ms a request, as much as the database spent on the page. Querysets are lazy
and every filter clones, so the shared ones are never evaluated or changed.

:mod:`.expressions` holds the SQL building blocks, :mod:`.pagination` the OFFSET window and the
keyset bound, :mod:`.products`, :mod:`.orders` and :mod:`.dashboard` one endpoint family each.
"""
