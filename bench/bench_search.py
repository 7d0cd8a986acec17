"""办事指南 search over the whole demo catalogue (26 bundles, 1,033 items): hit rate and latency.

    .venv/bin/python bench/bench_search.py [--rounds 20]

Loads the demo county and catalogue into a throwaway SQLite database, then prints
- the index build time (cold: jieba's dictionary and pinyin included; warm: a rebuild),
- the hit rate of the everyday phrasings in mashang/catalog/search_phrasings.py (misses listed),
- latency p50/p99 of search() for the phrasings, every bundle and item name, and the pinyin
  initials of every name (the fingerprint check included, as in a running server).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"n={len(ms)} p50={statistics.median(ms):.2f} ms p99={p99:.2f} ms max={ms[-1]:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="mashang-bench-search-")
    # Before django.setup(): a fresh SQLite database under the temp dir, never a real one.
    os.environ["VAR_DIR"] = tmp.name
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mashang.settings"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from mashang.catalog import search
    from mashang.catalog.demo import load_demo_catalog
    from mashang.catalog.guide_synonyms import load_guide_synonyms
    from mashang.catalog.search_phrasings import PHRASINGS
    from mashang.directory.demo import load_demo_county

    with tmp:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        load_demo_county()
        load_demo_catalog()
        load_guide_synonyms()

        start = time.perf_counter()
        index = search.get_index()
        print(f"index build, cold (jieba + pypinyin load): {time.perf_counter() - start:.2f} s")
        search.reset_index()
        start = time.perf_counter()
        index = search.get_index()
        print(f"index build, warm (a catalogue change):    {time.perf_counter() - start:.2f} s")
        bundles = sum(1 for d in index.docs if d.kind == search.BUNDLE)
        print(f"documents: {bundles} bundles, {len(index.docs) - bundles} items")

        misses = []
        for query, wanted in PHRASINGS:
            hits = search.search(query, 5).hits
            if not hits or hits[0].name != wanted:
                misses.append((query, wanted, hits[0].name if hits else "—"))
        hit = len(PHRASINGS) - len(misses)
        print(
            f"everyday phrasings ranked first: {hit}/{len(PHRASINGS)} = {hit / len(PHRASINGS):.1%}"
        )
        for query, wanted, got in misses:
            print(f"  miss: {query} → {got} (wanted {wanted})")

        rng = random.Random(12)
        names = [d.name for d in index.docs]
        initials = [d.initials for d in index.docs]
        groups = {
            "everyday phrasings": [q for q, _w in PHRASINGS] * args.rounds,
            "every name": names,
            "every name's pinyin initials": initials,
            "names with one character dropped": [
                n[:i] + n[i + 1 :] for n in rng.sample(names, 300) for i in [rng.randrange(len(n))]
            ],
        }
        for label, queries in groups.items():
            rng.shuffle(queries)
            samples = []
            for q in queries:
                t = time.perf_counter()
                search.search(q)
                samples.append(time.perf_counter() - t)
            print(f"{label:34} {percentiles(samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
