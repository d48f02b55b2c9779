"""Roles and isolation: a unit account sees and changes only its own unit;
every unit-scoped URL refuses another unit's account; bureau pages refuse
unit accounts."""

from __future__ import annotations

import pytest

pytest.importorskip("django")
pytest.importorskip("pytest_django")

from webhelpers import filled_workbook, upload as _file, year_round  # noqa: E402,F401


def _unit_scoped_urls():
    """Every URL pattern of the workbench that takes a ``unit_id``."""
    from reportgen.web import urls

    out = []
    for p in urls.urlpatterns:
        route = str(getattr(p, "pattern", ""))
        if "<int:unit_id>" in route:
            out.append((p.name, route))
    return out


def _reverse(name, route, unit_id):
    from django.urls import reverse

    kwargs = {"unit_id": unit_id}
    if "<path:name>" in route:
        kwargs["name"] = "pages/page-1.png"
    if "<str:decision>" in route:
        kwargs["decision"] = "approve"
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
def test_every_unit_scoped_url_refuses_another_units_account(client, year_round):
    from reportgen.web import jobs
    from reportgen.web.models import Status, Unit

    admin, reviewer, rnd, a, b = year_round
    # unit A has data, a render and a submission, so each of its URLs has something to leak
    client.force_login(a.user)
    r = client.post(f"/units/{a.pk}/upload/", {"data": _file("a.xlsx", filled_workbook(rnd.pack_hash))})
    assert r.status_code == 302
    jobs.run_pending()
    a.refresh_from_db()
    assert a.revision == 1 and a.n_errors == 0
    client.post(f"/units/{a.pk}/submit/", {"note": "说明"})
    a.refresh_from_db()
    before = (a.status, a.revision, a.data_yaml)
    assert a.status == Status.SUBMITTED

    routes = _unit_scoped_urls()
    assert len(routes) >= 13, routes  # the walk covers every unit-scoped page, not a sample
    # including the web form (在线填报), its save and the reviewer's comment at a figure
    assert {"figures", "figures_save", "review_comment"} <= {name for name, _ in routes}
    client.force_login(b.user)
    for name, route in routes:
        url = _reverse(name, route, a.pk)
        for method in (client.get, client.post):
            resp = method(url)
            assert resp.status_code in (403, 404), (name, url, method.__name__, resp.status_code)
            assert a.name.encode() not in resp.content, (name, url)
    a.refresh_from_db()
    assert (a.status, a.revision, a.data_yaml) == before
    # its own page still answers
    assert client.get(f"/units/{b.pk}/").status_code == 200
    # and unit A's render job cannot be read through the job URLs either
    job = Unit.objects.get(pk=a.pk).jobs.first()
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_bureau_pages_refuse_unit_accounts(client, year_round):
    admin, reviewer, rnd, a, b = year_round
    client.force_login(a.user)
    for url in ("/rounds/", f"/rounds/{rnd.pk}/", f"/rounds/{rnd.pk}/passwords.xlsx", f"/rounds/{rnd.pk}/log/",
                "/audit/", f"/units/{a.pk}/review/"):
        assert client.get(url).status_code in (403, 404), url
    for url in (f"/rounds/{rnd.pk}/units/add/", f"/rounds/{rnd.pk}/jobs/bundle/", f"/units/{a.pk}/password/",
                f"/units/{a.pk}/review/approve/", f"/units/{a.pk}/review/comment/", "/rounds/new/"):
        assert client.post(url, {"name": "x", "year": "2022", "pack": "jinzhong"}).status_code in (403, 404), url
    assert rnd.units.count() == 2
    # /admin/ is Django's admin: a unit account is not staff
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_reviewer_reviews_but_does_not_administer(client, year_round):
    admin, reviewer, rnd, a, b = year_round
    client.force_login(reviewer)
    assert client.get(f"/rounds/{rnd.pk}/").status_code == 200
    assert client.get(f"/units/{a.pk}/review/").status_code == 200
    assert client.get(f"/rounds/{rnd.pk}/passwords.xlsx").status_code == 403
    assert client.post(f"/rounds/{rnd.pk}/units/add/", {"name": "新单位"}).status_code == 403
    assert client.post(f"/units/{a.pk}/upload/").status_code == 403   # data come from the unit
    assert client.get(f"/units/{a.pk}/figures/").status_code == 200     # read, not changed
    assert client.post(f"/units/{a.pk}/figures/save/").status_code == 403


def _staff_urls(user_id):
    """Every URL of the 审核人员 pages (administrator only), walked from urls.py."""
    from django.urls import reverse

    from reportgen.web import urls

    out = []
    for p in urls.urlpatterns:
        route = str(getattr(p, "pattern", ""))
        if route.startswith("staff/"):
            out.append(reverse(p.name, kwargs={"user_id": user_id} if "<int:user_id>" in route else {}))
    return out


@pytest.mark.django_db
def test_staff_pages_refuse_reviewers_and_units(client, year_round):
    from django.contrib.auth import get_user_model

    from reportgen.web.models import Event

    admin, reviewer, rnd, a, b = year_round
    urls = _staff_urls(reviewer.pk)
    assert len(urls) >= 4, urls
    n_users = get_user_model().objects.count()
    for who in (reviewer, a.user):
        client.force_login(who)
        for url in urls:
            for method in (client.get, client.post):
                resp = method(url, {"name": "冒名", "username": "maoming", "active": "0"})
                assert resp.status_code == 403, (who.username, url, method.__name__, resp.status_code)
    reviewer.refresh_from_db()
    assert reviewer.is_active and reviewer.check_password("review-pass-1")
    assert get_user_model().objects.count() == n_users and not Event.objects.exists()
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302


def test_anonymous_is_sent_to_login(client):
    for url in ("/", "/rounds/", "/units/1/", "/units/1/workbook.xlsx", "/jobs/1/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url



@pytest.mark.django_db
def test_the_database_is_the_one_asked_for():
    """With REPORTGEN_DATABASE_URL the tests run on that server (CI: PostgreSQL), else on SQLite."""
    import os

    from django.db import connection

    url = os.environ.get("REPORTGEN_DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
