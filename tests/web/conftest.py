"""Fixtures for the workbench tests (``reportgen serve``).

The tests need the ``web`` and ``webtest`` extras (Django, pytest-django);
without them every test here is skipped.  ``REPORTGEN_DATABASE_URL`` (e.g.
``postgres://reportgen:reportgen@127.0.0.1:5432/reportgen``) runs them on
PostgreSQL — pytest-django makes and drops a ``test_…`` database — and
otherwise on SQLite in a temporary data folder.
"""

from __future__ import annotations

import os
import tempfile

import pytest

try:
    import django  # noqa: F401
    import pytest_django  # noqa: F401
    HAVE_DJANGO = True
except ImportError:
    HAVE_DJANGO = False


if HAVE_DJANGO:
    os.environ.setdefault("REPORTGEN_DATA", tempfile.mkdtemp(prefix="reportgen-webtest-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportgen.web.settings")
    django.setup()     # pytest-django read no settings module at start: set up here


@pytest.fixture
def year_round(db):
    """A bureau administrator, a reviewer, a round of 2021 under jinzhong and
    two units with accounts: ``(admin, reviewer, round, unit_a, unit_b)``."""
    from django.contrib.auth import get_user_model

    from reportgen.web import accounts, engine
    from reportgen.web.models import Profile, Role, Round

    User = get_user_model()
    admin = User.objects.create_superuser("admin", password="admin-pass-1")
    Profile.objects.create(user=admin, role=Role.ADMIN)
    reviewer = User.objects.create_user("shenhe", password="review-pass-1")
    Profile.objects.create(user=reviewer, role=Role.REVIEWER)
    checked = engine.check_and_freeze(engine.builtin_folder("jinzhong"), "jinzhong")
    rnd = Round.objects.create(year=2021, title="2021年度测试", pack_name="jinzhong", pack_hash=checked.digest)
    (a, b), _ = accounts.add_units(rnd, [{"name": "晋中市工业和信息化局"}, {"name": "晋中市招商引资服务中心"}])
    for u in (a, b):
        Profile.objects.filter(user=u.user).update(must_change_password=False)
    return admin, reviewer, rnd, a, b
