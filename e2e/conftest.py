"""Browser tests: Playwright driving Debian's Chromium (no browser download, no network)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the tests touch the database
# between browser calls, which Django would otherwise refuse as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(
        reason=f"浏览器测试已跳过：未找到 Chromium（{CHROMIUM}）；"
        "apt-get install chromium 后即可运行"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from django.conf import settings

    if settings.SECURE_SSL_REDIRECT or settings.SECURE_HSTS_SECONDS:
        pytest.fail("browser tests need plain http: run them with SECURE=0 (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A cheap phone inside WeChat: 375×667, touch, WeChat's user agent."""
    context = browser.new_context(
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        user_agent=(
            "Mozilla/5.0 (Linux; Android 10; V2001A) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/86.0 Mobile Safari/537.36 MicroMessenger/8.0.40"
        ),
    )
    page = context.new_page()
    yield page
    context.close()


def wait_for(predicate, timeout: float = 5.0) -> None:
    """Poll a Python predicate (which may call locator.evaluate) until it holds.

    Playwright's wait_for_function evaluates a string with eval, which the pages' CSP refuses;
    locator.evaluate goes through the debugger protocol and is not affected."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
