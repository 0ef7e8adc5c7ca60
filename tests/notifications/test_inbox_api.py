"""The inbox API and page show only my own messages; another user's message is 404, not 403."""

import pytest
from django.test import Client

from gongzhi.notifications.actions import deliver_due, notify
from gongzhi.notifications.models import InboxMessage
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inboxes(worker_stopped):
    me, other = UserFactory(username="me"), UserFactory(username="other")
    for i in range(3):
        notify(user=me, kind="appeal.dispatched", title=f"派单{i}", body="请尽快到场", link=f"/appeals/{i}/")
    notify(user=other, kind="appeal.dispatched", title="别人的消息")
    deliver_due()
    return me, other


def test_my_inbox_lists_my_messages_newest_first(inboxes):
    me, _other = inboxes
    body = api_client_for(me).get("/api/v1/notifications/inbox").json()
    assert body["unread_count"] == 3
    assert [m["title"] for m in body["items"]] == ["派单2", "派单1", "派单0"]
    assert body["items"][0]["is_read"] is False and body["items"][0]["link"] == "/appeals/2/"
    assert body["next_before_id"] is None


def test_marking_read_and_the_unread_filter(inboxes):
    me, _other = inboxes
    client = api_client_for(me)
    first = InboxMessage.objects.filter(user=me).order_by("id").first()
    response = client.post(f"/api/v1/notifications/inbox/{first.pk}/read")
    assert response.status_code == 200
    read_at = response.json()["read_at"]
    assert response.json()["is_read"] is True
    # Reading again keeps the first time.
    assert client.post(f"/api/v1/notifications/inbox/{first.pk}/read").json()["read_at"] == read_at
    unread = client.get("/api/v1/notifications/inbox?unread=true").json()
    assert unread["unread_count"] == 2
    assert first.pk not in [m["id"] for m in unread["items"]]
    assert client.post("/api/v1/notifications/inbox/read-all").json() == {"updated": 2}
    assert client.get("/api/v1/notifications/inbox?unread=true").json()["items"] == []


def test_paging_with_before_id(inboxes):
    me, _other = inboxes
    client = api_client_for(me)
    page = client.get("/api/v1/notifications/inbox?limit=2").json()
    assert [m["title"] for m in page["items"]] == ["派单2", "派单1"]
    rest = client.get(f"/api/v1/notifications/inbox?limit=2&before_id={page['next_before_id']}").json()
    assert [m["title"] for m in rest["items"]] == ["派单0"]


def test_another_users_message_is_not_found_and_stays_unread(inboxes):
    me, other = inboxes
    theirs = InboxMessage.objects.get(user=other)
    response = api_client_for(me).post(f"/api/v1/notifications/inbox/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "别人的消息" not in str(api_client_for(me).get("/api/v1/notifications/inbox").json())


@pytest.mark.parametrize("bad", ["0", "-1", str(2**63), "abc"])
def test_bad_ids_are_refused(inboxes, bad):
    me, _other = inboxes
    assert api_client_for(me).post(f"/api/v1/notifications/inbox/{bad}/read").status_code in {404, 422}


def test_the_inbox_needs_a_login():
    assert Client().get("/api/v1/notifications/inbox").status_code == 401
    assert Client().post("/api/v1/notifications/inbox/1/read").status_code == 401


def test_the_inbox_page_marks_unread_and_opening_a_message_reads_it(inboxes):
    me, other = inboxes
    client = Client()
    client.force_login(me)
    html = client.get("/notifications/").content.decode()
    assert html.count('class="unread"') == 3
    assert "派单0" in html and "别人的消息" not in html
    assert 'name="viewport"' in html  # the base layout's phone viewport

    first = InboxMessage.objects.filter(user=me).order_by("id").first()
    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/appeals/0/"
    html = client.get("/notifications/?unread=1").content.decode()
    assert "派单0" not in html and html.count('class="unread"') == 2

    theirs = InboxMessage.objects.get(user=other)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/notifications/read-all/").status_code == 302
    assert not InboxMessage.objects.filter(user=me, read_at__isnull=True).exists()


def test_a_link_to_another_site_is_not_followed(worker_stopped):
    me = UserFactory()
    notify(user=me, kind="k", title="t", link="https://evil.example/")
    deliver_due()
    client = Client()
    client.force_login(me)
    response = client.post(f"/notifications/{InboxMessage.objects.get().pk}/read/")
    assert response["Location"] == "/notifications/"


def test_the_page_needs_a_login():
    response = Client().get("/notifications/")
    assert response.status_code == 302 and "/login/" in response["Location"]
