"""The people pages' tests use the page fixtures of tests/web: a party organisation and a signed-in client."""

from tests.web.conftest import client_for, party_org_a  # noqa: F401 - fixtures
