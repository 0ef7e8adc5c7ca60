"""提: residents raise and support topics (once each), the community's threshold accepts them, staff record topics
for walk-ins, merge duplicates, and turn clusters of appeals into topics shown on each appeal's timeline."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals.models import AppealEvent
from gongzhi.appeals.page_data import timeline
from gongzhi.core import fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.deliberation import selectors
from gongzhi.deliberation.actions.topics import cluster_accept, topic_raise, topic_support
from gongzhi.deliberation.lifecycles import TOPIC
from gongzhi.deliberation.models import CommunitySettings, Topic, TopicAppeal, TopicState, TopicSupport
from tests.conftest import COMMUNITY_A, COMMUNITY_B, MICRO_A, MICRO_B
from tests.factories import UserFactory


def test_a_resident_raises_a_topic_about_their_community(district):
    topic = topic_raise(actor=district["resident_a"], title="小区停车难", area_code=MICRO_A)
    assert (topic.state, topic.community_code, topic.channel) == (TopicState.PROPOSED, COMMUNITY_A, "online")


def test_a_resident_cannot_raise_one_for_another_community(district):
    with pytest.raises(PermissionDenied) as err:
        topic_raise(actor=district["resident_a"], title="别处的事", area_code=MICRO_B)
    assert err.value.field == "area_code"
    assert not Topic.objects.exists()


def test_staff_record_a_walk_in_topic_with_whose_it_is(district):
    worker = district["community_worker_a"]
    with pytest.raises(ValidationFailed) as err:
        topic_raise(actor=worker, title="楼道灯坏了", area_code=MICRO_A, channel="walk_in")
    assert err.value.field == "on_behalf_of"
    topic = topic_raise(actor=worker, title="楼道灯坏了", area_code=MICRO_A, channel="phone", on_behalf_of="刘阿姨")
    assert topic.on_behalf_of == "刘阿姨"
    with pytest.raises(PermissionDenied):
        topic_raise(actor=district["resident_a"], title="x", area_code=MICRO_A, channel="walk_in", on_behalf_of="y")


def test_bad_input_names_the_field(district):
    for kwargs, field in [
        ({"title": "", "area_code": MICRO_A}, "title"),
        ({"title": 5, "area_code": MICRO_A}, "title"),
        ({"title": "x", "area_code": "999"}, "area_code"),
        ({"title": "x", "area_code": MICRO_A, "channel": "fax"}, "channel"),
        ({"title": "x", "area_code": "370211"}, "area_code"),
    ]:
        with pytest.raises((ValidationFailed, NotFound)) as err:
            topic_raise(actor=district["resident_a"], **kwargs)
        assert err.value.field == field
    assert not Topic.objects.exists()


def test_one_support_per_person_and_the_threshold_accepts(district, areas):
    CommunitySettings.objects.create(area=areas[COMMUNITY_A], area_code=COMMUNITY_A, support_threshold=2)
    topic = topic_raise(actor=district["resident_a"], title="加装电梯", area_code=MICRO_A)
    with pytest.raises(ValidationFailed):
        topic_support(actor=district["resident_a"], topic_id=topic.pk)  # not one's own
    topic = topic_support(actor=district["party_member_a"], topic_id=topic.pk)
    assert (topic.support_count, topic.state) == (1, TopicState.PROPOSED)
    with pytest.raises(Conflict):
        topic_support(actor=district["party_member_a"], topic_id=topic.pk)
    topic = topic_support(actor=district["volunteer_a"], topic_id=topic.pk)
    assert (topic.support_count, topic.state) == (2, TopicState.ACCEPTED)


def test_someone_of_another_community_cannot_support_or_see(district):
    topic = topic_raise(actor=district["resident_a"], title="加装电梯", area_code=MICRO_A)
    with pytest.raises(NotFound):
        topic_support(actor=district["resident_b"], topic_id=topic.pk)
    assert TopicSupport.objects.count() == 0
    assert list(selectors.topics_for(district["resident_b"])) == []
    assert [t.pk for t in selectors.topics_for(district["resident_a"])] == [topic.pk]
    assert [t.pk for t in selectors.topics_for(district["street_staff"])] == [topic.pk]


def test_duplicates_are_merged_with_their_supports(district):
    worker = district["community_worker_a"]
    first = topic_raise(actor=district["resident_a"], title="电动车充电", area_code=MICRO_A)
    dup = topic_raise(actor=district["party_member_a"], title="电瓶车充电桩", area_code=MICRO_A)
    topic_support(actor=district["volunteer_a"], topic_id=dup.pk)
    topic_support(actor=district["volunteer_a"], topic_id=first.pk)
    topic_support(actor=district["microgrid_worker_a"], topic_id=dup.pk)
    result = fsm.transition(TOPIC, dup.pk, "merge", actor=worker, data={"into": first.pk})
    assert result.obj.state == TopicState.MERGED and result.obj.merged_into_id == first.pk
    first.refresh_from_db()
    assert first.support_count == 2  # volunteer_a once, microgrid_worker_a moved over
    with pytest.raises(ValidationFailed) as err:
        fsm.transition(TOPIC, first.pk, "merge", actor=worker, data={"into": first.pk})
    assert err.value.field == "into"
    with pytest.raises(PermissionDenied):
        fsm.transition(TOPIC, first.pk, "accept", actor=district["resident_a"])


def test_a_move_not_allowed_names_the_allowed_ones(district):
    topic = topic_raise(actor=district["resident_a"], title="x", area_code=MICRO_A)
    with pytest.raises(ValidationFailed) as err:
        fsm.transition(TOPIC, topic.pk, "close", actor=district["community_worker_a"])
    assert "accept" in err.value.details["allowed"]


def test_clusters_of_appeals_become_topics_on_the_appeals_timeline(district, submit, at, areas):
    appeals = [submit() for _ in range(5)]
    submit(category="noise")
    found = selectors.clusters(community_code=COMMUNITY_A)
    by_area = next(c for c in found if c.by == "area")
    assert by_area.key == MICRO_A and by_area.count == 6
    by_category = next(c for c in found if c.by == "category")
    assert by_category.count == 5
    topic = cluster_accept(
        actor=district["community_worker_a"], community_code=COMMUNITY_A, by="category", key=by_category.key
    )
    assert topic.state == TopicState.ACCEPTED and topic.channel == "appeals"
    assert set(TopicAppeal.objects.filter(topic=topic).values_list("appeal_id", flat=True)) == {a.pk for a in appeals}
    entries = timeline(appeals[0])
    assert entries[-1].event.action == "deliberation_topic" and entries[-1].label == "列入议事议题"
    assert entries[-1].event.data["topic_id"] == topic.pk
    # Attached appeals leave the suggestions; the 6th alone is below the minimum.
    assert selectors.clusters(community_code=COMMUNITY_A) == []
    with pytest.raises(ValidationFailed):
        cluster_accept(actor=district["community_worker_a"], community_code=COMMUNITY_A, by="category", key="x")


def test_the_window_and_minimum_are_per_community(district, submit, at, areas):
    CommunitySettings.objects.create(
        area=areas[COMMUNITY_A], area_code=COMMUNITY_A, cluster_min_appeals=3, cluster_window_days=7
    )
    for _ in range(3):
        submit()
    assert len(selectors.clusters(community_code=COMMUNITY_A)) == 2
    at.shift(dt.timedelta(days=8))
    assert selectors.clusters(community_code=COMMUNITY_A) == []


def test_only_staff_of_the_community_accept_a_cluster(district, submit, at):
    for _ in range(5):
        submit()
    with pytest.raises(PermissionDenied):
        cluster_accept(actor=district["community_worker_b"], community_code=COMMUNITY_A, by="area", key=MICRO_A)
    assert not AppealEvent.objects.filter(action="deliberation_topic").exists()


def test_the_cluster_suggestion_is_a_few_statements(district, submit, at):
    for _ in range(5):
        submit()
    with CaptureQueriesContext(connection) as queries:
        selectors.clusters(community_code=COMMUNITY_A)
    assert len(queries) <= 6


def test_a_street_level_topic_is_seen_by_every_community_below(district, areas):
    staff = district["street_staff"]
    topic = topic_raise(actor=staff, title="街道集市", area_code="370211001", channel="walk_in", on_behalf_of="商户")
    assert topic.community_code == "370211001"
    assert selectors.participates(district["resident_b"], topic.area_code)
    assert not selectors.participates(UserFactory(role="resident", at=areas["37021100200100101"]), topic.area_code)
    assert COMMUNITY_B.startswith(topic.area_code)


def test_staff_link_appeals_to_a_topic_by_hand(district, submit, at):
    worker = district["community_worker_a"]
    topic = topic_raise(actor=district["resident_a"], title="噪音", area_code=MICRO_A)
    appeal = submit(category="noise")
    with pytest.raises(PermissionDenied):
        topics_link(district["resident_a"], topic, [appeal.pk])
    with pytest.raises(ValidationFailed) as err:
        topics_link(worker, topic, [10**9])
    assert err.value.field == "appeal_ids"
    topics_link(worker, topic, [appeal.pk])
    assert selectors.linked_topic(appeal.pk) == topic
    with pytest.raises(Conflict):
        topics_link(worker, topic, [appeal.pk])
    assert AppealEvent.objects.filter(appeal=appeal, action="deliberation_topic").count() == 1


def topics_link(actor, topic, ids):
    from gongzhi.deliberation.actions.topics import topic_link_appeals

    return topic_link_appeals(actor=actor, topic_id=topic.pk, appeal_ids=ids)
