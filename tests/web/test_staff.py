"""审核人员: the bureau administrator adds reviewers, gives new passwords
(shown once), disables and enables accounts in the workbench; each action
is logged; nobody else reaches these pages."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("django")
pytest.importorskip("pytest_django")

from webhelpers import year_round  # noqa: E402,F401


def _shown_password(client) -> tuple[str, str]:
    """(account, password) from the shown-once box of the staff page."""
    page = client.get("/staff/").content.decode()
    m = re.search(r'<code>([^<]+)</code></td><td><code id="new-password">([^<]+)</code>', page)
    assert m, page
    return m.group(1), m.group(2)


@pytest.mark.django_db
def test_admin_adds_a_reviewer_who_must_change_the_password(client, year_round):
    from django.contrib.auth import get_user_model

    from reportgen.web.models import Event, Role

    admin, reviewer, rnd, a, b = year_round
    client.force_login(admin)
    page = client.get("/staff/").content.decode()
    assert "所有评价轮次" in page and "shenhe" in page          # says reviewers review every round
    r = client.post("/staff/new/", {"name": "王审核", "username": "wangsh"})
    assert r.status_code == 302
    username, password = _shown_password(client)
    assert username == "wangsh" and len(password) >= 10
    assert "new-password" not in client.get("/staff/").content.decode()     # shown once only
    user = get_user_model().objects.get(username="wangsh")
    assert user.first_name == "王审核" and user.profile.role == Role.REVIEWER and user.profile.must_change_password
    assert Event.objects.filter(action="新增审核人员", detail="王审核（wangsh）", username="admin").exists()

    # the reviewer signs in with it and is sent to change it first
    client.logout()
    assert client.login(username="wangsh", password=password)
    r = client.get(f"/rounds/{rnd.pk}/")
    assert r.status_code == 302 and r["Location"] == "/password/"
    r = client.post("/password/", {"old_password": password, "new_password1": "Shenhe-2024-new",
                                   "new_password2": "Shenhe-2024-new"})
    assert r.status_code == 302
    assert client.get(f"/rounds/{rnd.pk}/").status_code == 200
    assert client.get(f"/units/{a.pk}/review/").status_code == 200


@pytest.mark.django_db
def test_bad_reviewer_entries_are_refused_with_chinese_messages(client, year_round):
    from django.contrib.auth import get_user_model

    admin, reviewer, rnd, a, b = year_round
    client.force_login(admin)
    n = get_user_model().objects.count()
    cases = [({"name": "", "username": "x1"}, "请填写审核人员姓名"),
             ({"name": "李四", "username": ""}, "请填写登录账号"),
             ({"name": "李四", "username": "li si"}, "只能由字母、数字和 @ . + - _ 组成"),
             ({"name": "李四", "username": "SHENHE"}, "已被使用"),                    # case-insensitive
             ({"name": "李四", "username": a.user.username}, "已被使用"),             # a unit's account
             ({"name": "李" * 151, "username": "lisi"}, "姓名不能超过 150 个字")]
    for data, expected in cases:
        r = client.post("/staff/new/", data, follow=True)
        assert r.status_code == 200 and expected in r.content.decode(), (data, expected)
    assert get_user_model().objects.count() == n
    # what was typed is kept in the form
    r = client.post("/staff/new/", {"name": "李四", "username": "li si"}, follow=True)
    assert 'value="李四"' in r.content.decode()


@pytest.mark.django_db
def test_reset_password_and_disable_enable(client, year_round):
    from django.test import Client

    from reportgen.web.models import Event

    admin, reviewer, rnd, a, b = year_round
    other = Client()
    assert other.login(username="shenhe", password="review-pass-1")
    assert other.get(f"/rounds/{rnd.pk}/").status_code == 200

    client.force_login(admin)
    client.post(f"/staff/{reviewer.pk}/password/")
    username, password = _shown_password(client)
    assert username == "shenhe"
    assert not Client().login(username="shenhe", password="review-pass-1")     # the old one no longer works
    assert other.get(f"/rounds/{rnd.pk}/").status_code == 302                  # its open session ended
    other = Client()
    assert other.login(username="shenhe", password=password)
    assert other.get(f"/rounds/{rnd.pk}/")["Location"] == "/password/"

    client.post(f"/staff/{reviewer.pk}/active/", {"active": "0"})
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    assert other.get("/password/").status_code == 302                           # signed out at once
    assert not Client().login(username="shenhe", password=password)
    assert "已停用" in client.get("/staff/").content.decode()

    client.post(f"/staff/{reviewer.pk}/active/", {"active": "1"})
    reviewer.refresh_from_db()
    assert reviewer.is_active and Client().login(username="shenhe", password=password)
    actions = list(Event.objects.filter(detail__contains="shenhe").values_list("action", flat=True))
    assert actions == ["启用审核人员账号", "停用审核人员账号", "重置审核人员密码"]
    page = client.get("/staff/").content.decode()
    assert "停用审核人员账号" in page and "重置审核人员密码" in page


@pytest.mark.django_db
def test_staff_urls_manage_reviewers_only(client, year_round):
    """A unit's or an administrator's account cannot be reset or disabled through these URLs."""
    admin, reviewer, rnd, a, b = year_round
    client.force_login(admin)
    for user in (a.user, admin):
        assert client.post(f"/staff/{user.pk}/password/").status_code == 404
        assert client.post(f"/staff/{user.pk}/active/", {"active": "0"}).status_code == 404
        user.refresh_from_db()
        assert user.is_active
    assert client.get("/staff/new/").status_code == 405
