"""First load of every citizen page on a slow phone: bytes, requests and time under Slow 3G.

Chromium's "Slow 3G" profile (2 s latency, ~400 kbit/s down and up) through the DevTools
protocol, a fresh cache for each page, a 375×667 phone. The pages are reached as a citizen
reaches them (the form, its SMS code, the receipt, tracking, the rating once the unit has
answered); each is then loaded again, throttled, and measured. Figures are printed with the
goal (≤ 15 KB in one request, < 2.5 s); nothing is asserted.

    .venv/bin/python bench/bench_citizen_pages.py [--port 8111]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SLOW_3G = {
    "offline": False,
    "latency": 2000,  # ms, per request
    "downloadThroughput": 50_000,  # bytes/s ≈ 400 kbit/s
    "uploadThroughput": 50_000,
}
GOAL_BYTES, GOAL_REQUESTS, GOAL_SECONDS = 15 * 1024, 1, 2.5


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def measure(page, cdp, url: str) -> tuple[int, int, float]:
    """Load url with an empty cache under Slow 3G: (bytes, requests, seconds to load)."""
    sizes: list[int] = []

    def finished(request):
        s = request.sizes()
        sizes.append(s["responseBodySize"] + s["responseHeadersSize"])

    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.on("requestfinished", finished)
    start = time.perf_counter()
    page.goto(url, wait_until="load")
    elapsed = time.perf_counter() - start
    page.wait_for_timeout(300)  # anything the page asks for after load (a favicon) counts too
    page.remove_listener("requestfinished", finished)
    cdp.send(
        "Network.emulateNetworkConditions",
        {**SLOW_3G, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    return sum(sizes), len(sizes), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8111)
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"Chromium not found ({CHROMIUM}): apt-get install chromium")
        return 1

    tmp = tempfile.TemporaryDirectory(prefix="mashang-bench-citizen-")
    port = free_port(args.port)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "VAR_DIR": tmp.name,
        "DJANGO_SETTINGS_MODULE": "mashang.settings",
        "SECURE": "0",
        "DEBUG": "0",
        "PORT": str(port),
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(Path(tmp.name) / "sms.log"),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "PYTHONWARNINGS": "ignore:No directory at",  # staticfiles/ is not collected here
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # staticfiles/ not collected
    django.setup()
    from django.core.management import call_command

    from mashang.appeals import actions
    from mashang.appeals.models import Appeal
    from mashang.notifications.models import Message
    from mashang.qrcodes.choices import QRKind
    from mashang.qrcodes.models import Placement
    from mashang.testing import make_county

    with tmp:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        county = make_county()
        poster = Placement.objects.create(
            kind=QRKind.TOWNSHIP,
            division=county.hamlet_a,
            place_label="老屋场党小组",
            addressee_unit=county.units.town_a,
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "mashang.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        rows = []
        try:
            wait_for(f"{base}/healthz")
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
                )
                context = browser.new_context(
                    viewport={"width": 375, "height": 667},
                    device_scale_factor=2,
                    is_mobile=True,
                    has_touch=True,
                    locale="zh-CN",
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")

                rows.append(("home", *measure(page, cdp, f"{base}/")))
                rows.append(("form", *measure(page, cdp, f"{base}{poster.get_absolute_url()}")))
                page.check("input[value=help]")
                page.fill("#content", "村里的自来水停了三天，请帮忙协调恢复供水。")
                page.fill("#phone", "13800138000")
                page.get_by_role("button", name="提交诉求").click()
                page.wait_for_selector("#code")
                rows.append(("verify", *measure(page, cdp, page.url)))
                body = Message.objects.filter(template="sms_code").latest("id").body
                page.fill("#code", body.split("验证码", 1)[1][:6])
                page.get_by_role("button", name="确认提交").click()
                page.wait_for_selector("#number")
                number = page.locator("#number").inner_text()
                rows.append(("receipt", *measure(page, cdp, page.url)))
                rows.append(("track", *measure(page, cdp, f"{base}/track")))

                appeal = Appeal.objects.get(number=number)
                people = county.people
                appeal = actions.dispatch_appeal(
                    appeal, county.units.housing, acting_user=people.dispatcher
                )
                appeal = actions.accept_appeal(appeal, acting_user=people.handler_a)
                actions.reply_appeal(appeal, "已协调水厂恢复供水。", acting_user=people.handler_a)
                rows.append(("rating", *measure(page, cdp, f"{base}/track/{number}")))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=15)

    print(
        f"Citizen pages, first load at 375×667 under Slow 3G (latency {SLOW_3G['latency']} ms, "
        f"{SLOW_3G['downloadThroughput'] * 8 // 1000} kbit/s); goal ≤ {GOAL_BYTES // 1024} KB in "
        f"{GOAL_REQUESTS} request, < {GOAL_SECONDS} s"
    )
    print(f"{'page':<8} {'bytes':>8} {'requests':>9} {'load s':>7}  goal")
    for name, size, requests, seconds in rows:
        ok = size <= GOAL_BYTES and requests <= GOAL_REQUESTS and seconds < GOAL_SECONDS
        print(f"{name:<8} {size:>8} {requests:>9} {seconds:>7.2f}  {'met' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
