from __future__ import annotations

from django.apps import AppConfig


class ShapesConfig(AppConfig):
    name = "shapes"

    def ready(self) -> None:
        from shapes import signals  # noqa: F401  (connects the post_save handler)
