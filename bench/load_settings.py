"""Bench-only settings for bench/load.py: production's settings plus the floor view's URLconf.

BENCH_DB_POOL=1 turns on Django 5.2's psycopg pool here, for the with/without measure.
"""

import os

from mashang.settings import *  # noqa: F403
from mashang.settings import DATABASES

ROOT_URLCONF = "load_floor"

if os.environ.get("BENCH_DB_POOL") == "1":
    DATABASES["default"]["OPTIONS"]["pool"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
