"""``reportgen serve``: set up the data folder and database, make the first
administrator, start the job worker processes and serve the workbench with
waitress (a pure-Python WSGI server that runs on Windows and Linux)."""

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


def worker_count() -> int:
    """``REPORTGEN_WORKERS`` if set (1–32), else the number of CPUs between 2
    and 4: each worker may run one LibreOffice conversion at a time."""
    env = os.environ.get("REPORTGEN_WORKERS", "").strip()
    if env.isdigit() and 1 <= int(env) <= 32:
        return int(env)
    return min(4, max(2, os.cpu_count() or 2))


def _lower_priority() -> None:
    """Give this process (and the LibreOffice it starts) a lower CPU
    priority than the web server's: nice 10 on Linux/macOS, the
    BELOW_NORMAL priority class on Windows."""
    try:
        if hasattr(os, "nice"):
            os.nice(10)
        elif os.name == "nt":
            import ctypes

            kernel32 = ctypes.windll.kernel32
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), 0x00004000)   # BELOW_NORMAL_PRIORITY_CLASS
    except OSError:
        pass


def worker_main(data: str, database_url: str | None, stop, wake) -> None:
    """The entry point of one job worker process (started with the ``spawn``
    method on every platform): lower priority, Django on the same data folder
    and database, then :func:`jobs.work` until ``stop`` is set."""
    _lower_priority()
    os.environ["REPORTGEN_DATA"] = data
    if database_url:
        os.environ["REPORTGEN_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportgen.web.settings")
    import django

    django.setup()
    from reportgen.web import jobs

    jobs.use_wake(wake)
    try:
        jobs.work(stop)
    except KeyboardInterrupt:       # Ctrl+C reaches the whole console group; the server stops us
        pass


class Workers:
    """The job worker processes of the server: started, watched (a worker
    that dies is replaced and its running job queued again) and stopped."""

    def __init__(self, n: int):
        import multiprocessing

        from reportgen.web import jobs

        self.ctx = multiprocessing.get_context("spawn")
        self.stop_event, self.wake = self.ctx.Event(), self.ctx.Event()
        jobs.use_wake(self.wake)
        jobs.recover()
        self.n, self.procs = n, []
        self._closing = False

    def _start_one(self):
        from django.conf import settings

        db = os.environ.get("REPORTGEN_DATABASE_URL") or None
        p = self.ctx.Process(target=worker_main, args=(str(settings.DATA_DIR), db, self.stop_event, self.wake),
                             name="reportgen-worker", daemon=True)
        p.start()
        return p

    def start(self) -> "Workers":
        import threading

        self.procs = [self._start_one() for _ in range(self.n)]
        threading.Thread(target=self._watch, name="reportgen-workers-watch", daemon=True).start()
        return self

    def _watch(self) -> None:
        from django.db import close_old_connections

        from reportgen.web import jobs

        while not self.stop_event.wait(5.0):
            for i, p in enumerate(self.procs):
                if p.exitcode is not None and not self._closing:
                    close_old_connections()
                    jobs.recover(worker=p.pid)
                    self.procs[i] = self._start_one()

    def close(self, timeout: float = 15.0) -> None:
        import time

        self._closing = True
        self.stop_event.set()
        self.wake.set()
        end = time.monotonic() + timeout
        for p in self.procs:
            p.join(max(0.1, end - time.monotonic()))
            if p.is_alive():
                p.terminate()


def run(host: str, port: int, threads: int = 8, on_ready=lambda: None) -> None:
    """Serve until interrupted: waitress with ``threads`` request threads in
    this process, the jobs in :func:`worker_count` worker processes at lower
    priority; ``on_ready()`` is called once the port is bound.  Raises
    OSError when the port is taken."""
    from waitress import create_server

    from reportgen.web.wsgi import application

    server = create_server(application, host=host, port=port, threads=threads, ident="reportgen",
                           # waitress stops accepting at 100 open connections by default: a round's
                           # units arrive together (bench/web_load.md), so accept many and queue them
                           connection_limit=1000, backlog=2048, recv_bytes=65536,
                           max_request_body_size=int(os.environ.get("REPORTGEN_MAX_UPLOAD_MB", "20")) * 4 << 20)
    # waitress reads and writes every socket in one thread, which must win the interpreter lock
    # from the request threads for each event: hand the lock over every 1 ms instead of 5 ms
    import sys

    sys.setswitchinterval(0.001)
    workers = Workers(worker_count()).start()
    on_ready()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        workers.close()
        server.close()
