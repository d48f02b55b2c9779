"""``reportgen serve`` for real: a data folder, the first administrator's
login printed once, the login page served by waitress."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("django")
pytest.importorskip("waitress")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(data, port):
    # the server's own SQLite in ``data`` (a database URL would point it at a shared server)
    env = {k: v for k, v in os.environ.items()
           if k not in ("REPORTGEN_DATA", "DJANGO_SETTINGS_MODULE", "REPORTGEN_DATABASE_URL")}
    return subprocess.Popen([sys.executable, "-m", "reportgen", "serve", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def _lines_until(proc, needle: str, timeout: float = 60) -> list[str]:
    lines, end = [], time.time() + timeout
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if needle in line:
            return lines
    raise AssertionError(f"no {needle!r} in {lines}; stderr: {proc.stderr.read() if proc.poll() is not None else ''}")


def test_serve_prints_the_first_login_once_and_serves_the_login_page(tmp_path):
    data = tmp_path / "工作台数据"
    port = _free_port()
    proc = _serve(data, port)
    try:
        lines = _lines_until(proc, "工作台已启动")
        admin = [ln for ln in lines if ln.startswith("管理员账号")]
        assert admin and "admin" in admin[0] and "密码" in admin[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10) as resp:
            page = resp.read().decode()
        assert resp.status == 200 and "登录绩效自评工作台" in page
        assert "http://" not in page.replace(f"http://127.0.0.1:{port}", "")   # no asset from elsewhere
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    assert (data / "reportgen.sqlite3").is_file() and (data / "secret_key").is_file()
    proc = _serve(data, port)
    try:
        lines = _lines_until(proc, "工作台已启动")
        assert not [ln for ln in lines if ln.startswith("管理员账号")]     # only the first start makes one
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _group_alive(pgid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.getpgid(int(d)) == pgid:
                    out.append(int(d))
            except OSError:
                continue
    return out


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_serve_with_web_processes_stops_cleanly_and_never_leaves_children(tmp_path):
    """Two web processes on one port and the job workers: pages answer; a stop
    (SIGTERM to the group, as systemd does) ends every process; and when the
    server itself is killed outright, its children end too and free the port."""
    env_extra = {"REPORTGEN_WEB_PROCESSES": "2", "REPORTGEN_WORKERS": "2"}
    for how in ("term", "kill"):
        port = _free_port()
        os.environ.update(env_extra)
        try:
            proc = _serve(tmp_path / f"data-{how}", port)
        finally:
            for k in env_extra:
                os.environ.pop(k)
        _lines_until(proc, "工作台已启动")
        try:
            for _ in range(20):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=20) as resp:
                    assert resp.status == 200
            assert len(_group_alive(proc.pid)) >= 5        # server, 2 web, 2 workers (+ resource tracker)
            if how == "term":
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            else:
                proc.kill()
                proc.wait(timeout=5)
            end = time.time() + 20
            while _group_alive(proc.pid) and time.time() < end:
                time.sleep(0.2)
            assert not _group_alive(proc.pid), how
            with socket.socket() as s:          # nobody listens on the port any more (as serve binds it)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
                s.listen(1)
        finally:
            for pid in _group_alive(proc.pid):
                os.kill(pid, signal.SIGKILL)
