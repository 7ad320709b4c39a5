"""A query run for a DRF serializer field is placed at the class that declares the field."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from perfaudit.capture.declarations import declaration_site
from perfaudit.capture.frames import SERIALIZER
from perfaudit.capture.recorder import root_prefix
from perfaudit.records import CallSite

serializers = pytest.importorskip("rest_framework.serializers")


class ProfileSerializer(serializers.Serializer):
    links = serializers.CharField()  # declared-here


class PublicProfileSerializer(ProfileSerializer):
    pass


def rendering(self: Any, field: Any) -> FrameType:
    """The frame of DRF's to_representation loop, as capture sees it: ``self`` and ``field``."""
    return sys._getframe()


def line_of(marker: str) -> int:
    with open(__file__, encoding="utf-8") as handle:
        return next(i for i, text in enumerate(handle, 1) if text.rstrip().endswith(marker))


@pytest.mark.parametrize("serializer", [ProfileSerializer, PublicProfileSerializer])
def test_a_field_is_named_by_the_class_that_declares_it(serializer: type) -> None:
    owner = serializer()
    frame = rendering(owner, owner.fields["links"])
    site = declaration_site((SERIALIZER, frame), root_prefix(None))
    assert site == CallSite(
        file="tests/test_declarations.py",
        line=line_of("# declared-here"),
        function="ProfileSerializer.links",
        declaration="serializer field 'links'",
    )
