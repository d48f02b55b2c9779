"""Django settings of the workbench, read from the environment.

``REPORTGEN_DATA``: the data folder (数据文件夹) holding the SQLite database,
the secret key, frozen template packs, uploads and rendered files; default
``./reportgen-data``.  ``REPORTGEN_DATABASE_URL``: a database URL such as
``postgres://user:password@host:5432/reportgen``; default SQLite at
``<data>/reportgen.sqlite3``.  ``REPORTGEN_DEBUG=1`` shows tracebacks (never in
production).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DATA_DIR = Path(os.environ.get("REPORTGEN_DATA", "reportgen-data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """A random key made once per data folder and kept in ``secret_key``."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        os.replace(tmp, path)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("REPORTGEN_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("REPORTGEN_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "reportgen.web.apps.WorkbenchConfig",
]

MIDDLEWARE = [
    "reportgen.web.timing.TimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "reportgen.web.urls"
WSGI_APPLICATION = "reportgen.web.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "reportgen.web.context.limits",
    ]},
}]


def _database() -> dict:
    url = os.environ.get("REPORTGEN_DATABASE_URL", "").strip()
    if url:
        import dj_database_url

        return dj_database_url.parse(url, conn_max_age=60)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "reportgen.sqlite3"),
            # WAL: pages read while a worker process writes.  A writer waits up to 30 s for the
            # lock (timeout), and a transaction takes the write lock when it begins (IMMEDIATE):
            # a transaction that read first and then wrote would otherwise fail at once with
            # "database is locked" whenever another process had written meanwhile (SQLite does
            # not wait in that case).  tests/web/test_hostile.py and bench/web_load.md measure it.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            # each request thread keeps its connection (opening one costs about 1.5 ms of CPU)
            "CONN_MAX_AGE": 600,
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")}}


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("REPORTGEN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# uploads: bounded in memory and on disk (an upload above the limit is refused with a message)
MAX_UPLOAD_BYTES = int(os.environ.get("REPORTGEN_MAX_UPLOAD_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 200
# an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE waits for its view in a file inside the data folder
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
(DATA_DIR / "tmp").mkdir(exist_ok=True)
#: the web form (在线填报) posts every input of the pack's fields: 1 300+ for a 晋中 unit with its projects
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "SAMEORIGIN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
