from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shopdemo.shop"
    label = "shop"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: the receivers need the models, which are loaded only now.
        from shopdemo.shop.invalidation import connect_receivers

        connect_receivers()
