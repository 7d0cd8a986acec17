"""Where a request of bench/load.py spends its time: pyinstrument over one request in-process,
against the database bench/load.py built (run that first).

    .venv/bin/pip install pyinstrument
    .venv/bin/python bench/load_profile.py floor|confirm|open311|desk|appeal|stats|form
        [--db h34_load] [--repeat 20] [--no-profile] [--queries]

Prints the profile and the CPU time a request costs in Django (the ratio to the floor's is
what wrk's ratios come to when the machine is short of CPU).
"""

import argparse
import io
import re
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "page", choices=["floor", "confirm", "open311", "desk", "appeal", "stats", "form"]
    )
    parser.add_argument("--no-profile", action="store_true", help="only the CPU per request")
    parser.add_argument("--db", default="h34_load")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--queries", action="store_true", help="also print the SQL statements of one request"
    )
    args = parser.parse_args()

    from load import setup_django, sms_codes

    setup_django(args)
    from django.core.management import call_command
    from django.test import Client
    from pyinstrument import Profiler

    from mashang.appeals.models import Appeal
    from mashang.directory.models import Division, Staff
    from mashang.qrcodes.models import Placement

    token = Placement.objects.filter(status="active", kind="township").order_by("id").first().token
    requests = []
    if args.page == "confirm":
        for _ in range(args.repeat):
            n = 90_000_000 + uuid.uuid4().int % 9_000_000
            c = Client(
                HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.200.{n // 256 % 256}.{n % 256}"
            )
            page = c.get(f"/q/{token}")
            form_token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text).group(1)
            r = c.post(
                f"/q/{token}",
                {
                    "form_token": form_token,
                    "type": "complaint",
                    "content": "路灯坏了很久，晚上走路不安全，请尽快修理。",
                    "name": "张三",
                    "phone": f"158{n:08d}",
                },
            )
            requests.append((c, "post", r["Location"], f"158{n:08d}"))
        codes = sms_codes()
        requests = [(c, m, url, {"code": codes[phone]}) for c, m, url, phone in requests]
    elif args.page == "open311":
        out = io.StringIO()
        call_command("partnerkey", "压测剖析", "--hourly-limit", "100000000", stdout=out)
        division = Division.objects.filter(level="township").order_by("code").first().code
        # One client for every filing, as one gunicorn worker serves many: a new Client loads
        # the middleware again, and WhiteNoise's scan of the static files was most of the time.
        # Its own client address per run: back-to-back runs stay under Open311's 120 a minute.
        n = uuid.uuid4().int
        ip = f"10.201.{n // 256 % 256}.{n % 256}"
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_FOR=ip)
        for _ in range(args.repeat):
            data = {
                "api_key": out.getvalue().strip(),
                "service_code": "complaint",
                "attribute[division]": division,
                "last_name": "张",
                "first_name": "三",
                "phone": f"157{uuid.uuid4().int % 10**8:08d}",
                "description": "路灯坏了很久，晚上走路不安全。",
            }
            requests.append((client, "post", "/open311/v2/requests.json", data))
    elif args.page == "floor":
        requests = [(Client(HTTP_HOST="127.0.0.1"), "post", "/bench/floor", {"x": "1"})]
        requests *= args.repeat
    else:
        user = "leader" if args.page == "stats" else "dispatcher"
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(Staff.objects.get(username=user))
        appeal = Appeal.objects.filter(channel="qr").order_by("-id").first().pk
        url = {
            "desk": "/staff/desk/",
            "appeal": f"/staff/appeals/{appeal}/",
            "stats": "/staff/stats/",
            "form": f"/q/{token}",
        }[args.page]
        requests = [(c, "get", url, None)] * args.repeat
    c, method, url, data = requests[0]
    getattr(c, method)(url, data) if data else getattr(c, method)(url)  # warm
    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c, method, url, data = requests.pop(1)
        with CaptureQueriesContext(connection) as queries:
            getattr(c, method)(url, data) if data else getattr(c, method)(url)
        for q in queries.captured_queries:
            print(q["sql"][:160])
        print(f"{args.page}: {len(queries)} SQL statements a request")
    profiler = Profiler(interval=0.0005)
    if not args.no_profile:
        profiler.start()
    cpu, wall = time.process_time(), time.perf_counter()
    for c, method, url, data in requests[1:]:
        r = getattr(c, method)(url, data) if data else getattr(c, method)(url)
        assert r.status_code == 200, (url, r.status_code)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if not args.no_profile:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    n = len(requests) - 1
    print(
        f"{args.page}: {cpu / n * 1000:.1f} ms CPU in Django a request (this process; "
        f"PostgreSQL's share not included), {wall / n * 1000:.1f} ms wall; "
        f"loadavg {Path('/proc/loadavg').read_text().strip()}"
    )


if __name__ == "__main__":
    main()
