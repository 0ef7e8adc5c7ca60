"""One Chromium for every browser test: Playwright's sync API allows one running instance per thread, so the
session fixture lives here, shared by all modules, instead of once per module."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls around it are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def vendor_assets():
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "vendor_assets.py")], check=True)
    assert (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").exists()


@pytest.fixture(scope="session")
def playwright_session(vendor_assets):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium fonts-wqy-zenhei"
    with sync_playwright() as p:
        yield p


# What Chromium reported against the Content-Security-Policy during the running test (see watch_csp).
CSP_VIOLATIONS: list[str] = []
# Chromium also reports each violation as a DOM event; the page turns it into a console line the watch reads.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watch_csp(browser):
    """Every context the browser opens reports CSP violations into CSP_VIOLATIONS (the autouse check fails on any)."""
    opened = browser.new_context

    def new_context(*args, **kwargs):
        context = opened(*args, **kwargs)
        context.add_init_script(REPORT_VIOLATIONS)

        def on_console(message):
            text = message.text
            if "Content Security Policy" in text or text.startswith("CSP violation"):
                CSP_VIOLATIONS.append(f"{message.page.url if message.page else '?'}: {text}")

        context.on("console", on_console)
        return context

    browser.new_context = new_context
    return browser


@pytest.fixture(autouse=True)
def no_csp_violations():
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "Content-Security-Policy violations:\n" + "\n".join(CSP_VIOLATIONS)


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = watch_csp(playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))
    yield browser
    browser.close()


@pytest.fixture
def launch_chromium(playwright_session):
    """`launch_chromium(*switches)`: a Chromium of the test's own with extra command-line switches (a fake camera
    fed from a file is fixed at launch), from the same Playwright as the shared browser, closed after the test."""
    launched = []

    def launch(*switches: str):
        started = watch_csp(
            playwright_session.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *switches])
        )
        launched.append(started)
        return started

    yield launch
    for started in launched:
        started.close()


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the login page as a person would, including the second step for staff who need it: on first
    sign-in the enrolment page shows the key (as an authenticator app would read it from the QR code), the code of
    that key is typed, and the recovery codes page is left with its button. Ends on the home page."""
    from gongzhi.accounts import totp

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/account/2fa/" in page.url:
        enrolling = page.locator("[data-otp-secret]").count() > 0
        if enrolling:
            _SECRETS[username] = (page.locator("[data-otp-secret]").get_attribute("data-otp-secret"), -1)
        secret, last = _SECRETS[username]
        # A code is good once: a second sign-in within the same 30 s types the next step's code (within the drift).
        at = time.time() if totp.step_at(time.time()) > last else time.time() + totp.STEP_SECONDS
        _SECRETS[username] = (secret, totp.step_at(at))
        page.fill("input[name=code]", totp.code_at(secret, at))
        page.locator("form:has(input[name=code]) button[type=submit]").click()  # not the top bar's sign-out
        if enrolling:
            page.locator("[data-recovery-codes]").wait_for()
            page.click("[data-continue]")
    page.wait_for_url(f"{base}/")


_SECRETS: dict[str, tuple[str, int]] = {}  # username → (authenticator key, last step typed) for sign_in
