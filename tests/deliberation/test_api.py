"""The JSON API: the paths of issue 12, the same permissions as the actions, idempotent writes, bad input
answered with the field and nothing changed, and two members of a household voting at the same instant."""

import datetime as dt
import json

import pytest

from gongzhi.deliberation.models import Ballot, BallotChoice, Topic, TopicSupport
from tests.concurrency import postgres_only, run_together
from tests.conftest import COMMUNITY_A, MICRO_A, MICRO_B, api_client_for
from tests.deliberation.conftest import T0, make_vote

BASE = "/api/v1/deliberation"


def post(client, path, body=None, **headers):
    return client.post(BASE + path, json.dumps(body or {}), content_type="application/json", **headers)


def test_raise_list_support_and_move_a_topic(district):
    resident, other = api_client_for(district["resident_a"]), api_client_for(district["party_member_a"])
    r = post(resident, "/topics", {"title": "小区停车难", "area_code": MICRO_A})
    assert r.status_code == 201, r.content
    topic_id = r.json()["id"]
    assert [t["id"] for t in resident.get(BASE + "/topics").json()["items"]] == [topic_id]
    r = post(other, f"/topics/{topic_id}/supports")
    assert r.status_code == 201 and r.json()["support_count"] == 1
    r = post(other, f"/topics/{topic_id}/supports")
    assert r.status_code == 409 and r.json()["field"] == "topic_id"
    worker = api_client_for(district["community_worker_a"])
    r = post(worker, f"/topics/{topic_id}/transitions", {"action": "accept"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = post(resident, f"/topics/{topic_id}/transitions", {"action": "reject", "note": "x"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"area_code": MICRO_A}, 422, None),  # title missing
        ({"title": ["x"], "area_code": MICRO_A}, 422, None),  # wrong type
        ({"title": "x", "area_code": "abc"}, 422, None),
        ({"title": "x", "area_code": MICRO_B}, 403, "area_code"),  # forbidden area
        ({"title": "  ", "area_code": MICRO_A}, 422, "title"),
    ],
)
def test_bad_topics_are_refused_and_change_nothing(district, body, status, field):
    r = post(api_client_for(district["resident_a"]), "/topics", body)
    assert r.status_code == status, r.content
    if field:
        assert r.json()["field"] == field
    assert not Topic.objects.exists()


def test_a_retried_support_with_the_same_key_is_one_support(district):
    topic = post(api_client_for(district["resident_a"]), "/topics", {"title": "x", "area_code": MICRO_A}).json()
    client = api_client_for(district["party_member_a"])
    first = post(client, f"/topics/{topic['id']}/supports", HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, f"/topics/{topic['id']}/supports", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert TopicSupport.objects.count() == 1


def test_meeting_vote_ballot_and_tally_over_http(district, meeting, homes, at):
    worker = api_client_for(district["community_worker_a"])
    r = post(
        worker,
        f"/meetings/{meeting.pk}/votes",
        {"question": "更换门禁", "closes_at": (T0 + dt.timedelta(hours=2)).isoformat(), "basis": "household"},
    )
    assert r.status_code == 201, r.content
    vote_id = r.json()["id"]
    assert post(worker, f"/votes/{vote_id}/transitions", {"action": "open"}).status_code == 200
    voter = api_client_for(homes["wang1"])
    r = post(voter, f"/votes/{vote_id}/ballots", {"choice": "yes"}, HTTP_IDEMPOTENCY_KEY="b-1")
    assert r.status_code == 201
    receipt = r.json()["receipt"]
    again = post(voter, f"/votes/{vote_id}/ballots", {"choice": "yes"}, HTTP_IDEMPOTENCY_KEY="b-1")
    assert again.json() == r.json()  # the retry is the first answer, not a second ballot
    r = post(api_client_for(homes["wang2"]), f"/votes/{vote_id}/ballots", {"choice": "no"})
    assert r.status_code == 409 and r.json()["field"] == "household"
    assert api_client_for(homes["wang2"]).get(f"{BASE}/votes/{vote_id}").json()["household_voted"] is True
    assert voter.get(f"{BASE}/votes/{vote_id}/receipts/{receipt}").json() == {"counted": True}
    tally = voter.get(f"{BASE}/meetings/{meeting.pk}/tally").json()["votes"][0]
    assert tally["cast"] == 1 and tally["counts"] is None  # counts once closed
    post(worker, f"/votes/{vote_id}/transitions", {"action": "close"})
    post(worker, f"/votes/{vote_id}/transitions", {"action": "publish"})
    tally = voter.get(f"{BASE}/meetings/{meeting.pk}/tally").json()["votes"][0]
    assert tally["counts"]["yes"] == 1 and tally["outcome"] == "no_quorum" and tally["published"]
    assert api_client_for(district["resident_b"]).get(f"{BASE}/meetings/{meeting.pk}/tally").status_code == 404


def test_ballot_bad_input(district, meeting, homes):
    vote = make_vote(district, meeting)
    voter = api_client_for(homes["li"])
    assert post(voter, f"/votes/{vote.pk}/ballots", {}).status_code == 422
    assert post(voter, f"/votes/{vote.pk}/ballots", {"choice": 1}).status_code == 422
    r = post(voter, f"/votes/{vote.pk}/ballots", {"choice": "maybe"})
    assert r.status_code == 422 and r.json()["field"] == "choice"
    assert post(voter, "/votes/999999/ballots", {"choice": "yes"}).status_code == 404
    assert not Ballot.objects.exists()


def test_actions_api_requires_owner_and_deadline(district, at):
    worker = api_client_for(district["community_worker_a"])
    topic = post(worker, "/topics", {"title": "x", "area_code": MICRO_A, "channel": "walk_in", "on_behalf_of": "王"})
    topic_id = topic.json()["id"]
    post(worker, f"/topics/{topic_id}/transitions", {"action": "solve_on_spot", "note": "当场解决"})
    r = post(
        worker, "/actions", {"title": "修灯", "owner_kind": "property", "topic_id": topic_id, "deadline": "2026-04-01"}
    )
    assert r.status_code == 422 and r.json()["field"] == "owner_name"
    r = post(
        worker, "/actions", {"title": "修灯", "owner_kind": "property", "owner_name": "物业", "topic_id": topic_id}
    )
    assert r.status_code == 422 and r.json()["field"] == "deadline"
    r = post(
        worker,
        "/actions",
        {
            "title": "修灯",
            "owner_kind": "property",
            "owner_name": "物业",
            "topic_id": topic_id,
            "deadline": "2026-04-01",
        },
    )
    assert r.status_code == 201
    action_id = r.json()["id"]
    r = post(worker, f"/actions/{action_id}/progress", {"percent": 100, "note": "已修好"})
    assert r.json()["state"] == "done" and r.json()["updates"][0]["note"] == "已修好"
    r = post(api_client_for(district["resident_b"]), f"/actions/{action_id}/ratings", {"satisfied": True})
    assert r.status_code == 404
    r = post(api_client_for(district["resident_a"]), f"/actions/{action_id}/ratings", {"satisfied": True})
    assert r.status_code == 201
    assert worker.get(BASE + "/actions").json()["items"][0]["id"] == action_id


def test_council_day_and_clusters_over_http(district):
    worker = api_client_for(district["community_worker_a"])
    r = post(worker, "/council-days", {"community_code": COMMUNITY_A, "year": 2026, "month": 3})
    assert r.status_code == 201 and r.json()["council_date"] == "2026-03-16"
    r = post(worker, "/council-days", {"community_code": COMMUNITY_A, "year": 2026, "month": 13})
    assert r.status_code == 422
    assert worker.get(BASE + f"/clusters?community={COMMUNITY_A}").json() == []
    assert api_client_for(district["resident_a"]).get(BASE + f"/clusters?community={COMMUNITY_A}").status_code == 403


def test_the_schema_lists_the_issue_paths(district):
    paths = api_client_for(district["resident_a"]).get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/deliberation/topics",
        "/api/v1/deliberation/topics/{topic_id}/transitions",
        "/api/v1/deliberation/meetings",
        "/api/v1/deliberation/meetings/{meeting_id}/votes",
        "/api/v1/deliberation/meetings/{meeting_id}/tally",
        "/api/v1/deliberation/actions",
    ]:
        assert path in paths


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_members_of_a_household_voting_at_the_same_instant_make_one_ballot(district, areas):
    import time_machine

    from gongzhi.deliberation.actions import meetings, votes
    from tests.deliberation.conftest import resident_user
    from tests.factories import HouseholdFactory

    home = HouseholdFactory(area=areas[MICRO_A], number="PG-1")
    a, b = resident_user(areas, home, "甲"), resident_user(areas, home, "乙")
    with time_machine.travel(T0, tick=True):
        m = meetings.meeting_create(
            actor=district["community_worker_a"],
            kind="grid_hall",
            title="t",
            area_code=COMMUNITY_A,
            starts_at=T0,
            ends_at=T0 + dt.timedelta(hours=2),
        )
        meetings.meeting_invite(actor=district["community_worker_a"], meeting_id=m.pk, user_ids=[a.pk, b.pk])
        vote = make_vote(district, m, basis="household")
        results = run_together(
            lambda: votes.ballot_cast(actor=a, vote_id=vote.pk, choice_value="yes"),
            lambda: votes.ballot_cast(actor=b, vote_id=vote.pk, choice_value="no"),
        )
    assert sum(1 for r in results if isinstance(r, votes.Receipt)) == 1
    assert Ballot.objects.filter(vote=vote).count() == 1 and BallotChoice.objects.filter(vote=vote).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_a_frozen_vote_ballots_share_the_lock_and_a_household_still_votes_once(district, areas):
    """After the first ballot the rules are frozen and ballots take a share lock (they do not queue on each other):
    two members of a household at the same instant still make one ballot, and a close racing them (FOR UPDATE)
    neither fails nor loses a ballot: each accepted ballot has its choice row, and the vote ends closed."""
    import time_machine

    from gongzhi.deliberation.actions import meetings, votes
    from tests.deliberation.conftest import resident_user
    from tests.factories import HouseholdFactory

    first, home = (
        HouseholdFactory(area=areas[MICRO_A], number="PG-0"),
        HouseholdFactory(area=areas[MICRO_A], number="PG-2"),
    )
    starter = resident_user(areas, first, "丙")
    a, b = resident_user(areas, home, "丁"), resident_user(areas, home, "戊")
    with time_machine.travel(T0, tick=True):
        m = meetings.meeting_create(
            actor=district["community_worker_a"], kind="grid_hall", title="t", area_code=COMMUNITY_A,
            starts_at=T0, ends_at=T0 + dt.timedelta(hours=2),
        )  # fmt: skip
        meetings.meeting_invite(
            actor=district["community_worker_a"], meeting_id=m.pk, user_ids=[starter.pk, a.pk, b.pk]
        )
        vote = make_vote(district, m, basis="household")
        votes.ballot_cast(actor=starter, vote_id=vote.pk, choice_value="yes")
        vote.refresh_from_db()
        assert vote.rules_locked
        results = run_together(
            lambda: votes.ballot_cast(actor=a, vote_id=vote.pk, choice_value="yes"),
            lambda: votes.ballot_cast(actor=b, vote_id=vote.pk, choice_value="no"),
            lambda: votes.vote_move(actor=district["community_worker_a"], vote_id=vote.pk, action="close"),
        )
    receipts = [r for r in results[:2] if isinstance(r, votes.Receipt)]
    assert len(receipts) <= 1 and not isinstance(results[2], Exception), results
    assert Ballot.objects.filter(vote=vote).count() == 1 + len(receipts)
    assert BallotChoice.objects.filter(vote=vote).count() == 1 + len(receipts)
    vote.refresh_from_db()
    assert vote.state == "closed"
