"""The probe's upload attack, measured: what a refused or an accepted photo costs.

Prints, for each case, the wall time and the peak memory of a fresh process that runs it:
- six all-black 7000×7000 PNGs (~140 KB each): refused from the header now;
- the same six decoded in full, as the code before issue 11 did (for comparison);
- one 6000×4000 phone JPEG, decoded at reduced scale (draft) and in full.
Run: .venv/bin/python bench/bench_uploads.py
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASE = r"""
import io, json, resource, sys, time
sys.path.insert(0, ROOT)
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mashang.settings")
import django
django.setup()
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from mashang.core.uploads import PhotoError, clean_photo

case, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
n = 6 if case.startswith("png") else 1
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
refused = 0
for i in range(n):
    upload = SimpleUploadedFile(f"{i}.img", data)
    if case.endswith("old"):
        with Image.open(upload) as im:  # what the old code did: a full decode
            im.load(); im.convert("RGB").thumbnail((2560, 2560))
    else:
        try:
            clean_photo(upload)
        except PhotoError:
            refused += 1
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"bytes": len(data), "n": n, "refused": refused, "seconds": elapsed,
                  "extra_mb": (peak - base) / 1024}))
"""

LABELS = {
    "png-now": "6 × black 7000×7000 PNG, now (header check)",
    "png-old": "6 × black 7000×7000 PNG, full decode (before)",
    "jpeg-now": "1 × 6000×4000 JPEG, now (reduced-scale decode)",
    "jpeg-old": "1 × 6000×4000 JPEG, full decode (before)",
}


def _samples(tmp: Path) -> dict[str, Path]:
    """Made here, so the measured processes only read bytes."""
    from PIL import Image

    png, jpg = tmp / "black.png", tmp / "photo.jpg"
    Image.new("L", (7000, 7000), 0).save(png, "PNG", optimize=True)
    Image.new("RGB", (6000, 4000), (90, 140, 60)).save(jpg, "JPEG", quality=90)
    return {"png": png, "jpeg": jpg}


def main() -> int:
    import tempfile

    tmp = tempfile.TemporaryDirectory(prefix="mashang-bench-uploads-")
    samples = _samples(Path(tmp.name))
    for case, label in LABELS.items():
        sample = samples[case.split("-")[0]]
        out = subprocess.run(
            [sys.executable, "-c", CASE.replace("ROOT", repr(str(ROOT))), case, str(sample)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"DJANGO_SETTINGS_MODULE": "mashang.settings", "PATH": "/usr/bin:/bin"},
        )
        if out.returncode:
            print(label, "failed:", out.stderr[-500:])
            continue
        r = json.loads(out.stdout)
        print(
            f"{label:52} {r['bytes'] / 1024:8.0f} KB each  {r['seconds']:6.2f} s  "
            f"+{r['extra_mb']:6.0f} MB peak  refused {r['refused']}/{r['n']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
