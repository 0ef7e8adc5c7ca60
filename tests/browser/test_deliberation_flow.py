"""On phone-sized browsers, 提、议、决、做、评 end to end: a resident raises a topic, two neighbours support it to the
community's threshold, the community worker creates the council day's meeting with the topic on its agenda and
invites the residents, the residents vote, the chair closes and publishes, the owner reports the action item
done, and a resident rates it. The vote's question and the action item are stated through the actions (those
set-ups are API writes, no page); every other step is a click on the pages. Screenshots in artifacts/browser/."""

import datetime as dt
import os

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import COMMUNITY_A, MICRO_A

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}
NOW = timezone.make_aware(dt.datetime(2026, 4, 14, 9, 0))  # the day before April's council day (a Wednesday)


def _resident(areas, household, username, name):
    resident = factories.ResidentFactory(household=household, name=name)
    user = factories.UserFactory(username=username, role="resident", at=areas[MICRO_A], display_name=name)
    user.resident = resident
    user.save(update_fields=["resident"])
    return user


def test_propose_deliberate_decide_act_evaluate_on_phones(live_server, browser, transactional_db, areas):
    from gongzhi.deliberation.actions import items, votes
    from gongzhi.deliberation.models import ActionItem, ActionRating, Ballot, CommunitySettings, Meeting, Topic

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        CommunitySettings.objects.create(area=areas[COMMUNITY_A], area_code=COMMUNITY_A, support_threshold=2)
        chair = factories.UserFactory(username="cw_zhou", role="community_worker", at=areas[COMMUNITY_A])
        for number, username, name in (
            ("L-1", "r_li", "李阿姨"),
            ("W-1", "r_wang", "王师傅"),
            ("Z-1", "r_zhao", "赵大姐"),
        ):
            _resident(areas, factories.HouseholdFactory(area=areas[MICRO_A], number=number), username, name)
        pages = {}

        def phone(username):
            if username not in pages:
                page = browser.new_context(**PHONE).new_page()
                sign_in(page, base, username, factories.PASSWORD)  # staff enrol their second factor on the way
                page.wait_for_url(f"{base}/")
                pages[username] = page
            return pages[username]

        def ok(page):
            errors = page.locator("p.error").all_inner_texts()
            assert errors == [], errors

        # 提: raise, then two supports reach the threshold of 2.
        li = phone("r_li")
        li.goto(f"{base}/deliberation/")
        li.fill("#t-title", "单元楼道加装声控灯")
        li.fill("#t-desc", "3 号楼楼道晚上太黑，老人上下楼不安全")
        with li.expect_navigation():
            li.click("form.card button.wide[type=submit]")
        ok(li)
        topic = Topic.objects.get()
        assert topic.area_code == MICRO_A and topic.state == "proposed"
        li.screenshot(path=str(ARTIFACTS / "deliberation-raise-phone.png"), full_page=True)
        for username in ("r_wang", "r_zhao"):
            page = phone(username)
            page.goto(f"{base}/deliberation/")
            with page.expect_navigation():
                page.locator(f"form:has(input[name=topic_id][value='{topic.pk}']) button").click()
            ok(page)
        topic.refresh_from_db()
        assert topic.support_count == 2 and topic.state == "accepted"

        # 议: the council day's meeting with the topic on its agenda; invitations.
        staff = phone("cw_zhou")
        staff.goto(f"{base}/deliberation/queue/")
        with staff.expect_navigation():
            staff.locator("form:has(input[name=op][value=council]) button").click()
        ok(staff)
        meeting = Meeting.objects.get()
        assert meeting.council_date == dt.date(2026, 4, 15)
        assert "单元楼道加装声控灯" in staff.locator("table").first.inner_text()
        with staff.expect_navigation():
            staff.locator("form:has(input[name=op][value=invite]) button").click()
        ok(staff)
        assert meeting.invitations.count() == 3

        # 决: the vote (stated by the chair through the action), opened, cast by all three, closed, published.
        vote = votes.vote_create(
            actor=chair,
            meeting_id=meeting.pk,
            topic_id=topic.pk,
            question="是否同意在 3 号楼加装声控灯",
            basis="household",
            quorum_percent=50,
            closes_at=timezone.now() + dt.timedelta(days=2),
        )
        url = f"{base}/deliberation/meetings/{meeting.pk}/"

        def chair_move(action):
            staff.goto(url)
            form = staff.locator(f"form:has(input[name=op][value=vote_move]):has(input[value='{vote.pk}'])")
            form.locator("select[name=action]").select_option(action)
            with staff.expect_navigation():
                form.locator("button[type=submit]").click()
            ok(staff)

        chair_move("open")
        for username in ("r_li", "r_wang", "r_zhao"):
            page = phone(username)
            page.goto(url)
            with page.expect_navigation():
                page.locator("button[name=choice][value=yes]").click()
            ok(page)
            assert "投票成功" in page.content() and "您已投票" in page.content()
        pages["r_zhao"].screenshot(path=str(ARTIFACTS / "deliberation-vote-phone.png"), full_page=True)
        assert Ballot.objects.filter(vote=vote).count() == 3
        chair_move("close")
        chair_move("publish")
        vote.refresh_from_db()
        assert vote.state == "published" and vote.outcome == "passed"
        pages["r_li"].goto(url)
        assert "通过" in pages["r_li"].content()

        # 做: an action item of the decision, reported done by its owner on the action page.
        item = items.action_create(
            actor=chair,
            title="3 号楼楼道安装声控灯",
            owner_kind="person",
            owner_user_id=chair.pk,
            owner_name="",
            deadline=dt.date(2026, 4, 30),
            vote_id=vote.pk,
        )
        staff.goto(f"{base}/deliberation/actions/{item.pk}/")
        staff.fill("#p", "100")
        staff.fill("#n", "6 层声控灯已全部装好")
        with staff.expect_navigation():
            staff.locator("form:has(input[name=op][value=progress]) button[type=submit]").click()
        ok(staff)
        item.refresh_from_db()
        assert item.state == "done" and item.notice_id is not None

        # 评: a resident rates the finished item.
        li.goto(f"{base}/deliberation/actions/{item.pk}/")
        li.screenshot(path=str(ARTIFACTS / "deliberation-rate-phone.png"), full_page=True)
        with li.expect_navigation():
            li.locator("form:has(input[name=op][value=rate]) button[type=submit]").click()
        ok(li)
        assert "您已评价" in li.content()
        assert ActionRating.objects.get(item=item).satisfied is True
        assert ActionItem.objects.get(pk=item.pk).state == "done"
        wide = li.evaluate(
            "[...document.querySelectorAll('.vol *')].filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className)"
        )
        assert wide == []  # nothing wider than the phone
        for page in pages.values():
            page.context.close()
