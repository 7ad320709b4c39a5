"""Query parameters given as a mapping are recorded with their values (issue 14.12).

``cursor.execute(sql, {"id": 1})`` is how raw SQL passes named parameters. Freezing such a
mapping as its keys alone made every execution look alike: an N+1 over ids was reported as
one duplicate query, and --show-params showed names without values.
"""

from __future__ import annotations

import pytest
from django.db import connection

from perfaudit.capture.recorder import capture_queries
from perfaudit.detect.findings import detect_findings


@pytest.mark.django_db
def test_dict_parameters_keep_their_values() -> None:
    with capture_queries() as queries:
        for user_id in (7, 8, 9):
            with connection.cursor() as cursor:
                cursor.execute("SELECT id FROM auth_user WHERE id = %(id)s", {"id": user_id})
    assert [q.params for q in queries] == [(("id", 7),), (("id", 8),), (("id", 9),)]
    # Different values from one line: a loop of lookups, not one query run three times.
    assert [(f.kind, f.count) for f in detect_findings(queries)] == [("n_plus_one", 3)]


@pytest.mark.django_db
def test_equal_dict_parameters_are_a_duplicate() -> None:
    with capture_queries() as queries:
        for _ in range(2):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM auth_user WHERE id = %(id)s AND is_staff = %(staff)s",
                    {"staff": False, "id": 1},
                )
    assert queries[0].params == (("id", 1), ("staff", False))
    assert [(f.kind, f.count) for f in detect_findings(queries)] == [("duplicate", 2)]
