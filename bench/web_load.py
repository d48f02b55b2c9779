#!/usr/bin/env python3
"""Load test of ``reportgen serve`` on localhost: a round of N units (1000),
C of them (200) at once uploading their 采集表 and opening their preview,
while the bureau opens its status board.  Prints request latencies (median,
95th percentile, max) per kind of request and how many preview renders the
job worker finished.  A script to run by hand, not a test::

    python bench/web_load.py                       # 1000 units, 200 at once, SQLite
    python bench/web_load.py --units 300 --concurrent 50
    python bench/web_load.py --database postgres://u:p@127.0.0.1:5432/db

Bounded: every request has a 120 s timeout, the render phase waits at most
``--render-wait`` seconds.  The server runs as ``python -m reportgen serve``
(one web process per CPU up to 4, each waitress with 8 request threads; the
jobs in worker processes at lower priority) on a temporary data folder,
removed afterwards unless ``--keep`` (its ``serve.log`` has every request's
time, from ``REPORTGEN_TIMING=1``).  Accounts share one precomputed password hash (making 1000
PBKDF2 hashes would take minutes and is not what is measured).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jinzhong-gongxin-2021.yaml"
PASSWORD = "Bench-pass-2024"


def setup_data(data: Path, units: int, database: str | None) -> tuple[int, list[tuple[int, str]], bytes]:
    """Migrate, make a round of ``units`` units with accounts; returns
    (round id, [(unit id, username)], the filled workbook)."""
    os.environ["REPORTGEN_DATA"] = str(data)
    if database:
        os.environ["REPORTGEN_DATABASE_URL"] = database
    sys.path.insert(0, str(ROOT))
    from reportgen.web import serve

    serve.setup(data, database)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from reportgen.web import engine
    from reportgen.web.models import Profile, Role, Round, Unit

    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", password=PASSWORD)
    Profile.objects.create(user=admin, role=Role.ADMIN)
    checked = engine.check_and_freeze(engine.builtin_folder("jinzhong"), "jinzhong")
    rnd = Round.objects.create(year=2021, title="压力测试", pack_name="jinzhong", pack_hash=checked.digest)
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create([User(username=f"b{i:05d}", password=hashed) for i in range(units)])
    users = list(User.objects.filter(username__startswith="b0").order_by("username"))
    Profile.objects.bulk_create([Profile(user=u, role=Role.UNIT) for u in users])
    Unit.objects.bulk_create([Unit(round=rnd, name=f"压力测试单位{i:05d}", user=u) for i, u in enumerate(users)])
    made = [(u.pk, u.user.username) for u in Unit.objects.filter(round=rnd).select_related("user").order_by("id")]
    workbook = engine.workbook_bytes(rnd.pack_hash, EXAMPLE.read_text(encoding="utf-8"))
    return rnd.pk, made, workbook


class Session:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=120) as r:
            return r.status, r.read()

    def post(self, path: str, fields: dict, files: dict | None = None) -> tuple[int, bytes]:
        fields = {**fields, "csrfmiddlewaretoken": self._csrf()}
        if files:
            boundary = uuid.uuid4().hex
            body = b""
            for k, v in fields.items():
                body += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, (name, data) in files.items():
                body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
            body += f"--{boundary}--\r\n".encode()
            ctype = f"multipart/form-data; boundary={boundary}"
        else:
            body, ctype = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body,
                                     headers={"Content-Type": ctype, "Referer": self.base + path})
        with self.opener.open(req, timeout=120) as r:
            return r.status, r.read()

    def login(self, username: str) -> None:
        self.get("/login/")
        self.post("/login/", {"username": username, "password": PASSWORD})

    def adopt(self, username: str) -> None:
        """Signed in without the login form: a session made in the database
        (200 PBKDF2 checks would take minutes and are measured apart)."""
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import connection

        try:
            user = get_user_model().objects.get(username=username)
            store = SessionStore()
            store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
        finally:
            # one client thread per unit: 200 open connections would exceed
            # PostgreSQL's max_connections (100) and refuse the server's own
            connection.close()
        host = urllib.parse.urlparse(self.base).hostname
        self.jar.set_cookie(http.cookiejar.Cookie(0, "sessionid", store.session_key, None, False, host, False, False,
                                                  "/", True, False, None, False, None, None, {}))


def timed(stats, kind, fn, *args, **kw):
    t = time.perf_counter()
    try:
        out = fn(*args, **kw)
        stats[kind].append(time.perf_counter() - t)
        return out
    except Exception as exc:  # a failed request is counted, not fatal to the run
        stats[kind + "（失败）"].append(time.perf_counter() - t)
        print(f"  {kind} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def report(stats) -> None:
    print(f"{'请求':<26}{'次数':>6}{'中位数':>10}{'P95':>10}{'最长':>10}")
    for kind, xs in stats.items():
        xs = sorted(xs)
        p95 = xs[min(len(xs) - 1, int(0.95 * len(xs)))]
        print(f"{kind:<26}{len(xs):>6}{statistics.median(xs):>9.3f}s{p95:>9.3f}s{xs[-1]:>9.3f}s")


def _stat(pid) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux /proc; 0 elsewhere)."""
    try:
        fields = _stat(pid)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def server_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the server's processes so far: the server itself, its
    web processes (nice 0) and its job workers (nice > 0; the LibreOffice
    they start is not counted).  Linux only."""
    out = {"server": cpu_seconds(pid), "web": 0.0, "workers": 0.0}
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not d.isdigit():
            continue
        try:
            fields = _stat(d)
            if int(fields[1]) == pid:
                out["workers" if int(fields[16]) > 0 else "web"] += cpu_seconds(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--concurrent", type=int, default=200)
    ap.add_argument("--database", default=None)
    ap.add_argument("--render-wait", type=float, default=600.0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary data folder and its serve.log")
    # stopped with SIGTERM (kill, timeout): unwind, so the `finally` below stops the server too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = ap.parse_args()

    data = Path(tempfile.mkdtemp(prefix="reportgen-webload-"))
    t0 = time.perf_counter()
    round_id, units, workbook = setup_data(data, args.units, args.database)
    load = "、".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "—"
    print(f"机器：{platform.processor() or platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}；"
          f"数据库：{'PostgreSQL' if args.database else 'SQLite'}；开始时系统负载（1、5、15 分钟）：{load}")
    print(f"准备 {args.units} 个单位：{time.perf_counter() - t0:.1f} s")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORTGEN_TIMING": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cmd = [sys.executable, "-m", "reportgen", "serve", "--data", str(data), "--port", str(port)]
    if args.database:
        cmd += ["--database", args.database]
    server_log = open(data / "serve.log", "w", encoding="utf-8")
    print(f"服务日志：{data / 'serve.log'}")
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=server_log, text=True, env=env,
                              start_new_session=True)
    try:
        for line in server.stdout:
            if "工作台已启动" in line:
                break
        base = f"http://127.0.0.1:{port}"
        stats = defaultdict(list)

        # the bureau's board of N units, quiet server
        admin = Session(base)
        admin.login("bench-admin")
        for _ in range(10):
            timed(stats, f"状态看板（{args.units} 单位，空闲）", admin.get, f"/rounds/{round_id}/")
            timed(stats, "看板筛选（未填报，空闲）", admin.get, f"/rounds/{round_id}/?status=empty")

        # the login form: PBKDF2 (Django's default, about 1 s of CPU each here), 10 one after another
        for _, username in units[-10:]:
            timed(stats, "登录（逐个）", Session(base).login, username)

        # C units at once: open the page, upload, open the page again (preview), poll the job
        chosen = units[: args.concurrent]
        sessions = {}
        barrier = threading.Barrier(len(chosen) + 1)

        def unit_walk(unit_id, username):
            s = Session(base)
            s.adopt(username)
            sessions[unit_id] = s
            barrier.wait()
            out = timed(stats, "单位页面", s.get, f"/units/{unit_id}/")
            if out and "第二步".encode() not in out[1]:
                raise SystemExit(f"unit {unit_id}: not its page (not signed in?)")
            timed(stats, "上传采集表并核对", s.post, f"/units/{unit_id}/upload/", {},
                  {"data": ("采集表.xlsx", workbook)})
            out = timed(stats, "单位页面（预览）", s.get, f"/units/{unit_id}/")
            if out:
                m = re.search(rb'data-job="(/jobs/\d+/)"', out[1])
                if m:
                    timed(stats, "任务进度", s.get, m.group(1).decode())

        threads = [threading.Thread(target=unit_walk, args=u) for u in chosen]
        for t in threads:
            t.start()
        # threads adopt their sessions (database writes from this process) before the burst
        barrier.wait()
        t1 = time.perf_counter()
        cpu_client, cpu_server = sum(os.times()[:2]), server_cpu(server.pid)
        board_during = threading.Thread(target=lambda: [
            (timed(stats, "状态看板（负载中）", admin.get, f"/rounds/{round_id}/"), time.sleep(0.5))
            for _ in range(20)])
        board_during.start()
        for t in threads:
            t.join()
        board_during.join()
        burst = time.perf_counter() - t1
        used = {k: v - cpu_server[k] for k, v in server_cpu(server.pid).items()}
        print(f"{len(chosen)} 个单位同时上传并打开预览：全部完成用时 {burst:.1f} s；其间 CPU："
              f"网页进程 {used['web'] + used['server']:.1f} s，后台任务进程 {used['workers']:.1f} s（不含 LibreOffice），"
              f"本测试脚本（{len(chosen)} 个客户端线程）{sum(os.times()[:2]) - cpu_client:.1f} s")

        # the job worker renders previews (Word, PDF, page images, audit): how many within the bound
        from reportgen.web.models import Job

        t2 = time.perf_counter()
        import random

        while time.perf_counter() - t2 < args.render_wait:
            if not Job.objects.filter(kind__in=["check", "render"], state__in=["queued", "running"]).exists():
                break
            timed(stats, "状态看板（后台生成预览期间）", admin.get, f"/rounds/{round_id}/")
            for unit_id in random.sample(sorted(sessions), min(5, len(sessions))):
                timed(stats, "单位页面（后台生成预览期间）", sessions[unit_id].get, f"/units/{unit_id}/")
            time.sleep(2)
        waited = time.perf_counter() - t2
        checks = Job.objects.filter(kind="check", state="done").count()
        done = Job.objects.filter(kind="render", state="done").count()
        print(f"上传之后 {waited:.0f} s 内：核对完成 {checks} 个；预览（Word、PDF、预览图、审核）完成 {done} 个"
              f"（{waited / max(done, 1):.2f} s/个），"
              f"{Job.objects.filter(kind='render', state__in=['queued', 'running']).count()} 个未完成，"
              f"{Job.objects.filter(kind='render', state='failed').count()} 个失败")
        failed = Job.objects.filter(state="failed").first()
        if failed:
            print(f"失败的任务（例）：{failed.kind}: {failed.message}")
        locked = (data / "serve.log").read_text(encoding="utf-8").count("database is locked")
        print(f"服务日志中“database is locked”：{locked} 次；"
              f"失败的任务：{Job.objects.filter(state='failed').count()} 个")
        report(stats)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            import shutil

            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
