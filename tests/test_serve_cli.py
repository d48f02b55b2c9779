"""``reportgen serve`` stays out of the CLI's way: the CLI does not import
Django, and without the ``web`` extra ``serve`` says in Chinese what to install."""

import subprocess
import sys

from conftest import ROOT


def test_cli_does_not_import_django():
    code = "import sys, reportgen.cli; sys.exit(1 if any(m.split('.')[0] in ('django', 'waitress') " \
           "or m.startswith('reportgen.web') for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_serve_without_the_web_extra_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['django'] = None; sys.modules['waitress'] = None\n"
            "from reportgen.cli import main\n"
            f"main(['serve', '--data', {str(tmp_path / 'data')!r}])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1
    assert '未安装网页工作台组件' in r.stderr and 'pip install "reportgen[web]"' in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "data").exists()
