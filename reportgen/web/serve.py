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


def _django(data: str, database_url: str | None) -> None:
    """Set up Django in a child process on the parent's data folder and database (no migration)."""
    os.environ["REPORTGEN_DATA"] = data
    if database_url:
        os.environ["REPORTGEN_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportgen.web.settings")
    import django

    django.setup()


def _end_with_parent() -> None:
    """Exit this child process when the server process ends, however it ends
    (killed by a service manager, a crash): a child must not keep the port
    or run jobs on its own."""
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), name="reportgen-parent-watch",
                         daemon=True).start()


def worker_main(data: str, database_url: str | None) -> None:
    """The entry point of one job worker process (started with the ``spawn``
    method on every platform): lower priority, Django on the same data folder
    and database, then :func:`jobs.work` (looking for queued jobs every 0.5 s)
    until the server terminates it.  No lock or event is shared with the
    server: a process killed while holding one would hang the others."""
    import threading

    _end_with_parent()
    _lower_priority()
    _django(data, database_url)
    from reportgen.web import jobs

    try:
        jobs.work(threading.Event(), poll=0.5)
    except KeyboardInterrupt:       # Ctrl+C reaches the whole console group; the server stops us
        pass


def web_main(sock, threads: int, data: str, database_url: str | None) -> None:
    """The entry point of one web process: waitress with ``threads`` request
    threads accepting on ``sock``, the listening socket it shares with the
    other web processes."""
    _end_with_parent()
    _django(data, database_url)
    try:
        _waitress(sock, threads).run()
    except KeyboardInterrupt:
        pass


def web_count() -> int:
    """How many processes answer requests: ``REPORTGEN_WEB_PROCESSES`` if set
    (1–16), else one per CPU up to 4 on Linux and macOS (one Python process
    uses one CPU at most, the interpreter lock), and 1 on Windows, where
    several processes accepting on one socket has not been tested."""
    env = os.environ.get("REPORTGEN_WEB_PROCESSES", "").strip()
    if env.isdigit() and 1 <= int(env) <= 16:
        return int(env)
    if os.name == "nt":
        return 1
    return min(4, max(1, os.cpu_count() or 1))


def _listen(host: str, port: int):
    """The listening socket of the workbench; OSError when the port is taken."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":     # restart at once after a stop (on Windows this flag would share the port)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


def _waitress(sock, threads: int):
    from waitress import create_server

    from reportgen.web.wsgi import application

    return create_server(application, sockets=[sock], threads=threads, ident="reportgen",
                         # waitress stops accepting at 100 open connections by default: a round's
                         # units arrive together (bench/web_load.md), so accept many and queue them
                         connection_limit=1000, backlog=2048, recv_bytes=65536,
                         max_request_body_size=int(os.environ.get("REPORTGEN_MAX_UPLOAD_MB", "20")) * 4 << 20)


class Children:
    """The child processes of the server — job workers and, when there is
    more than one, web processes — started, watched every 5 s (one that
    dies is replaced; a dead worker's running job is queued again) and
    stopped."""

    def __init__(self):
        import multiprocessing
        import threading

        self.ctx = multiprocessing.get_context("spawn")
        self.stop_event = threading.Event()
        self.procs: list[tuple[object, object]] = []        # (start function, process)
        self._closing = False

    def _args(self):
        from django.conf import settings

        return str(settings.DATA_DIR), os.environ.get("REPORTGEN_DATABASE_URL") or None

    def add_workers(self, n: int) -> None:
        from reportgen.web import jobs

        jobs.recover()
        for _ in range(n):
            self._add(lambda: self.ctx.Process(target=worker_main, args=self._args(),
                                               name="reportgen-worker", daemon=True))

    def add_web(self, n: int, sock, threads: int) -> None:
        for _ in range(n):
            self._add(lambda: self.ctx.Process(target=web_main, args=(sock, threads, *self._args()),
                                               name="reportgen-web", daemon=True))

    def _add(self, make) -> None:
        p = make()
        p.start()
        self.procs.append((make, p))

    def watch(self) -> None:
        import threading

        threading.Thread(target=self._watch, name="reportgen-children-watch", daemon=True).start()

    def _watch(self) -> None:
        from django.db import close_old_connections

        from reportgen.web import jobs

        while not self.stop_event.wait(5.0):
            for i, (make, p) in enumerate(self.procs):
                if p.exitcode is not None and not self._closing:
                    if p.name == "reportgen-worker":
                        close_old_connections()
                        jobs.recover(worker=p.pid)
                    q = make()
                    q.start()
                    self.procs[i] = (make, q)

    def wait(self) -> None:
        """Wait until interrupted (the server process when web processes serve)."""
        while not self.stop_event.wait(1.0):
            pass

    def close(self, timeout: float = 10.0) -> None:
        """Terminate the children (a job cut short is queued again at the next start)."""
        import time

        self._closing = True
        self.stop_event.set()
        for _, p in self.procs:
            if p.is_alive():
                p.terminate()
        end = time.monotonic() + timeout
        for _, p in self.procs:
            p.join(max(0.1, end - time.monotonic()))
            if p.is_alive():
                p.kill()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(host: str, port: int, threads: int = 8, on_ready=lambda: None) -> None:
    """Serve until interrupted: :func:`web_count` web processes (waitress,
    ``threads`` request threads each; with one, this process serves) on one
    listening socket, and :func:`worker_count` job worker processes at lower
    priority; ``on_ready()`` is called once the port is bound.  Raises
    OSError when the port is taken."""
    import signal

    sock = _listen(host, port)
    children = Children()
    children.add_workers(worker_count())
    n_web = web_count()
    if n_web > 1:
        children.add_web(n_web, sock, threads)
    children.watch()
    if hasattr(signal, "SIGTERM"):      # a service manager's stop ends the children too
        signal.signal(signal.SIGTERM, _interrupt)
    on_ready()
    try:
        if n_web > 1:
            children.wait()
        else:
            _waitress(sock, threads).run()
    except KeyboardInterrupt:
        pass
    finally:
        children.close()
        sock.close()
