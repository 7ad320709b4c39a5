"""The hand-written sample reports in tests/fixtures/ and the golden-file check of the renderers."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
# Set PERFAUDIT_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
UPDATE = bool(os.environ.get("PERFAUDIT_UPDATE_GOLDEN"))
MACHINE_DETAILS = re.compile(r"/(home|tmp|work|root|Users)/|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.json"


def fixture_document(name: str) -> dict[str, Any]:
    return json.loads(fixture_path(name).read_text(encoding="utf-8"))


def assert_golden(name: str, text: str) -> None:
    """``text`` must equal tests/golden/NAME byte for byte, and hold nothing machine-specific."""
    assert not MACHINE_DETAILS.search(text), "golden output must hold no paths or timestamps"
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with PERFAUDIT_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")
