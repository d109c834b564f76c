"""What the benches share: Django set up on a bench's own folder of data, kept between runs."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_in(folder: str) -> None:
    """Set Django up on ``var/bench/<folder>`` (its SQLite database, unless DATABASE_URL names another) with
    the suite's settings and throwaway keys (the data is synthetic), no Redis, and migrate it."""
    bench_dir = ROOT / "var" / "bench" / folder
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LOTFLOW_VAR_DIR"] = str(bench_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
