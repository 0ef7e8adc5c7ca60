"""The platform admin (a superuser, no membership) reads every volunteering list and detail, of any area."""

from django.test import Client

from tests.conftest import api_client_for
from tests.volunteering.conftest import make_volunteer


def test_the_superuser_reads_activities_attendance_and_records(district, activity, at):
    volunteer = make_volunteer(district, "志愿者甲")
    api = api_client_for(district["superuser"])
    assert [a["id"] for a in api.get("/api/v1/activities").json()["items"]] == [activity.pk]
    assert api.get(f"/api/v1/activities/{activity.pk}").json()["id"] == activity.pk
    assert api.get(f"/api/v1/activities/{activity.pk}/attendance").status_code == 200
    assert api.get(f"/api/v1/activities/{activity.pk}/code").status_code == 200
    assert api.get(f"/api/v1/volunteers/{volunteer.pk}/record").json()["volunteer"]["id"] == volunteer.pk

    page = Client()
    page.force_login(district["superuser"])
    for path in (
        "/volunteering/",
        f"/volunteering/activities/{activity.pk}/",
        f"/volunteering/activities/{activity.pk}/organise/",
        f"/volunteering/volunteers/{volunteer.pk}/",
        "/volunteering/teams/",
    ):
        assert page.get(path).status_code == 200, path
