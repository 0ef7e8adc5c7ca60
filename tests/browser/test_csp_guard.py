"""The watch every browser test runs under: an inline script or style that the Content-Security-Policy blocks is
reported, so a page that needs 'unsafe-inline' fails its browser test."""

import os

import pytest

from tests.browser import conftest as browser_conftest
from tests.browser.conftest import sign_in as site_sign_in
from tests.browser.test_points_redeem import PHONE

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "inject",
    [
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.head.append(s); }",
        "() => { const s = document.createElement('style'); s.textContent = 'p { color: red }'; document.head.append(s); }",
        "() => document.body.setAttribute('style', 'color: red')",
    ],
    ids=["inline script", "style element", "style attribute"],
)
def test_a_blocked_inline_piece_is_reported(live_server, browser, transactional_db, inject):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/login/")
    assert browser_conftest.CSP_VIOLATIONS == []  # the page itself needs nothing inline
    page.evaluate(inject)
    page.wait_for_timeout(300)  # the violation event is dispatched asynchronously
    assert page.evaluate("() => window.ran") is None  # the script did not run
    reported, browser_conftest.CSP_VIOLATIONS[:] = list(browser_conftest.CSP_VIOLATIONS), []
    assert reported and all("/login/" in line for line in reported), reported


def test_the_admin_and_the_api_docs_run_under_the_policy(live_server, browser, transactional_db, django_user_model):
    django_user_model.objects.create_superuser("csp_admin", password="csp-pass-123")
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    # Through the site's login and its second step (a superuser must use it); the enrolment pages run under the
    # policy too.
    site_sign_in(page, live_server.url, "csp_admin", "csp-pass-123")
    for path in ("/admin/", "/admin/appeals/appeal/", "/admin/accounts/user/add/", "/api/v1/docs"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui").count() == 1  # the API docs drew themselves from our own static files
