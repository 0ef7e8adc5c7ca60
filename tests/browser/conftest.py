"""One Chromium for every browser test: Playwright's sync API allows one running instance per thread, so the
session fixture lives here, shared by all modules, instead of once per module."""

import os
import subprocess
import sys
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


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def launch_chromium(playwright_session):
    """`launch_chromium(*switches)`: a Chromium of the test's own with extra command-line switches (a fake camera
    fed from a file is fixed at launch), from the same Playwright as the shared browser, closed after the test."""
    launched = []

    def launch(*switches: str):
        started = playwright_session.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *switches])
        launched.append(started)
        return started

    yield launch
    for started in launched:
        started.close()
