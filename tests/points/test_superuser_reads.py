"""The platform admin (a superuser, no membership) reads every points list and detail, of any area."""

from django.test import Client

from gongzhi.points.models import AwardState
from tests.conftest import COMMUNITY_A, api_client_for
from tests.points.conftest import propose


def test_the_superuser_reads_awards_accounts_and_the_catalogue(district, household_a, account_a, scheme):
    award = propose(district, household_a)
    api = api_client_for(district["superuser"])
    assert api.get(f"/api/v1/points/awards/{award.pk}").json()["id"] == award.pk
    assert api.get(f"/api/v1/points/accounts/{account_a.pk}").json()["id"] == account_a.pk
    assert api.get("/api/v1/points/accounts", {"household_id": household_a.pk}).json()["id"] == account_a.pk
    assert api.get("/api/v1/points/rules", {"area": COMMUNITY_A}).json()["scheme_id"] == scheme.pk
    assert api.get("/api/v1/points/items", {"area": COMMUNITY_A}).status_code == 200

    page = Client()
    page.force_login(district["superuser"])
    queue = page.get("/points/review/", {"state": AwardState.PROPOSED})
    assert queue.status_code == 200 and [row["award"].pk for row in queue.context["rows"]] == [award.pk]
    assert page.get(f"/points/accounts/{account_a.pk}/").status_code == 200
    assert page.get("/points/board/", {"area": COMMUNITY_A}).status_code == 200
    for path in ("/points/manage/", "/points/counter/", "/points/store/"):
        assert page.get(path).status_code == 200, path


def test_the_superuser_board_and_rankings_open_on_the_district_without_an_area(district):
    page = Client()
    page.force_login(district["superuser"])
    for path in ("/points/board/", "/points/rankings/"):
        answer = page.get(path)
        assert answer.status_code == 200, path
        assert answer.context["area"] is not None and answer.context["area"].parent_id is None, path
