"""The nox matrix: read from the classifiers, one Django feature release per entry (issue 14.14)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.scan_helpers import REPO


@pytest.fixture(scope="module")
def noxfile():  # type: ignore[no-untyped-def]
    pytest.importorskip("nox")
    spec = importlib.util.spec_from_file_location("noxfile_under_test", REPO / "noxfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("noxfile_under_test", None)


@pytest.mark.parametrize(
    ("django", "requirement"),
    [("5.2", "Django>=5.2,<5.3"), ("6.0", "Django>=6.0,<6.1"), ("6.1", "Django>=6.1,<6.2")],
)
def test_each_django_entry_pins_its_feature_release(noxfile, django: str, requirement: str) -> None:  # type: ignore[no-untyped-def]
    assert noxfile.django_requirement(django) == requirement


def test_the_matrix_covers_django_6_1_on_python_3_12_and_later(noxfile) -> None:  # type: ignore[no-untyped-def]
    assert noxfile.DJANGOS == ["5.2", "6.0", "6.1"]
    ids = [param.id for param in noxfile.matrix()]
    assert ids == [
        "3.11-django5.2",
        "3.12-django5.2", "3.12-django6.0", "3.12-django6.1",
        "3.13-django5.2", "3.13-django6.0", "3.13-django6.1",
    ]  # fmt: skip


def test_the_classifiers_name_django_6_1() -> None:
    text = Path(REPO / "setup.cfg").read_text(encoding="utf-8")
    assert "    Framework :: Django :: 6.1\n" in text
