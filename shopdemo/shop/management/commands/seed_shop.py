"""``python -m django seed_shop``: fill the shop with deterministic demo data."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shopdemo.shop.models import Product
from shopdemo.shop.seeding import estimated_rows, flush_shop, seed_shop


def non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Seed the shop with deterministic demo data (same --seed, same rows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=non_negative, default=200)
        parser.add_argument("--customers", type=non_negative, default=50)
        parser.add_argument("--orders", type=non_negative, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--flush", action="store_true", help="Delete existing shop data first.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Product.objects.exists():
            if not options["flush"]:
                raise CommandError(
                    "The database already holds shop data; rerun with --flush to replace it."
                )
            flush_shop()
        sizes = {k: options[k] for k in ("products", "customers", "orders")}
        started = time.perf_counter()
        show = options["verbosity"] > 0 and estimated_rows(**sizes) > 5000
        if show:
            from rich.progress import Progress

            with Progress(transient=True, console=None) as bar:
                task = bar.add_task("Seeding", total=estimated_rows(**sizes))
                counts = seed_shop(
                    seed=options["seed"],
                    progress=lambda label, n: bar.update(
                        task, advance=n, description=f"Seeding {label}"
                    ),
                    **sizes,
                )
        else:
            counts = seed_shop(seed=options["seed"], **sizes)
        elapsed = time.perf_counter() - started
        if options["verbosity"] > 0:
            summary = ", ".join(f"{v} {k}" for k, v in vars(counts).items())
            self.stdout.write(f"Seeded {summary} in {elapsed:.1f}s.")
        sys.stdout.flush()
