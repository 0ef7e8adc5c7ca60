"""Page fixtures: a party organisation in community A and a logged-in client per persona."""

import pytest
from django.test import Client

from gongzhi.people.actions import party_member_upsert
from gongzhi.people.models import PartyOrganization, ResponsibilityZone, ServicePost
from tests import factories
from tests.conftest import COMMUNITY_A, MICRO_A


@pytest.fixture
def party_org_a(district):
    org = PartyOrganization.objects.create(
        name="灵山卫1社区党委", kind="committee", area=district.areas[COMMUNITY_A], area_code=COMMUNITY_A
    )
    member, _ = party_member_upsert(
        actor=district["admin"],
        organization=org,
        name="王红",
        id_number=factories.make_id_number(birth="19700505"),
        kind="self_managed",
        phone="13700001111",
    )
    ResponsibilityZone.objects.create(party_member=member, area=district.areas[MICRO_A], description="1号楼东侧绿地")
    ServicePost.objects.create(
        party_member=member, name="政策宣讲岗", area=district.areas[COMMUNITY_A], schedule="每周六上午"
    )
    return org


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
