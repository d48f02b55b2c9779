"""``reportgen serve``: set up the data folder and database, make the first
administrator, start the job worker and serve the workbench with waitress
(a pure-Python WSGI server that runs on Windows and Linux)."""

from __future__ import annotations

import os
from pathlib import Path


def setup(data: str | Path, database_url: str | None = None) -> None:
    """Point Django at ``data`` (and ``database_url``), then migrate."""
    os.environ["REPORTGEN_DATA"] = str(Path(data).resolve())
    if database_url:
        os.environ["REPORTGEN_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportgen.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def ensure_admin(reset: bool = False) -> tuple[str, str] | None:
    """Create the first bureau administrator (账号 admin) with a random
    password when there is no administrator yet, or give ``admin`` a new
    password when ``reset``.  Returns (username, password) when one was set."""
    from django.contrib.auth import get_user_model

    from reportgen.web.accounts import new_password
    from reportgen.web.models import Profile, Role

    User = get_user_model()
    if User.objects.filter(is_superuser=True).exists() and not reset:
        return None
    password = new_password(12)
    user, _ = User.objects.get_or_create(username="admin", defaults={"first_name": "财政局管理员"})
    user.is_superuser = user.is_staff = True
    user.set_password(password)
    user.save()
    Profile.objects.update_or_create(user=user, defaults={"role": Role.ADMIN})
    return user.username, password


def run(host: str, port: int, threads: int = 8, on_ready=lambda: None) -> None:
    """Serve until interrupted, with the job worker in this process;
    ``on_ready()`` is called once the port is bound.  Raises OSError when
    the port is taken."""
    from waitress import create_server

    from reportgen.web import jobs
    from reportgen.web.wsgi import application

    server = create_server(application, host=host, port=port, threads=threads, ident="reportgen",
                           max_request_body_size=int(os.environ.get("REPORTGEN_MAX_UPLOAD_MB", "20")) * 4 << 20)
    from reportgen.web import engine

    workers = max(2, os.cpu_count() or 2)
    engine.use_processes(workers)
    stop = jobs.start_worker(workers)
    on_ready()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.close()
