"""`manage.py open311_key`: the demo key, new keys shown once, rotation."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.open311.actions import DEMO_KEY, client_for_key
from gongzhi.open311.models import Open311Client

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("open311_key", *args, stdout=out)
    return out.getvalue().strip()


def test_the_demo_key_is_fixed_and_printed_every_time():
    assert run("--demo", "--print") == DEMO_KEY
    assert run("--demo", "--print") == DEMO_KEY
    assert Open311Client.objects.filter(name="demo").count() == 1
    assert client_for_key(DEMO_KEY).name == "demo"


def test_the_demo_command_restores_the_demo_key_after_a_rotation():
    run("--demo")
    run("--name", "demo", "--rotate")
    assert run("--demo", "--print") == DEMO_KEY
    assert client_for_key(DEMO_KEY).name == "demo"


def test_a_new_client_gets_a_random_key_shown_once_and_rotate_replaces_it():
    first = run("--name", "fixit", "--print")
    assert first.startswith("o311_") and client_for_key(first).name == "fixit"
    with pytest.raises(CommandError, match="--rotate"):
        run("--name", "fixit", "--print")
    second = run("--name", "fixit", "--rotate", "--print")
    assert second != first and client_for_key(second).name == "fixit"
    from gongzhi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        client_for_key(first)


def test_bad_names_are_refused():
    with pytest.raises(CommandError):
        run("--print")
    with pytest.raises(CommandError, match="客户端名称"):
        run("--name", "bad name!")


def test_the_admin_lists_clients_and_cannot_add_keys(admin_client):
    run("--demo")
    page = admin_client.get("/admin/open311/open311client/")
    assert page.status_code == 200 and "gongzhi-" in page.content.decode()  # the key prefix, not the key
    assert DEMO_KEY not in page.content.decode()
    assert admin_client.get("/admin/open311/open311client/add/").status_code == 403
