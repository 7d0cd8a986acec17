"""Bench-only settings for bench/load.py: production's settings plus the floor view's URLconf.

The pool is production's own switch (DB_POOL=1, mashang/settings.py), which bench/load.py sets.
"""

from mashang.settings import *  # noqa: F403

ROOT_URLCONF = "load_floor"
