"""Every demo login lands on pages with data in its own area: each page of its navigation bar answers and shows no
empty state (the templates' `class="empty"` blocks: "暂无…")."""

import pytest
from django.urls import reverse

from gongzhi.accounts.models import User
from gongzhi.core.nav import bar_for
from gongzhi.people.demo.logins import DEMO_LOGINS
from tests.demo.seeding import seed_everything

EMPTY = 'class="empty'


@pytest.mark.django_db
def test_every_page_of_every_demo_login_shows_data(client):
    seed_everything()
    empty: list[str] = []
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        client.force_login(user)
        bar = bar_for(user)
        for entry in bar.tabs + bar.more:
            url = reverse(entry.url_name)
            response = client.get(url, follow=True)
            assert response.status_code == 200, (login.username, url, response.status_code)
            if EMPTY in response.content.decode():
                empty.append(f"{login.username} {url}")
        client.logout()
    assert empty == []
