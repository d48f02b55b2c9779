"""Shared test helpers: paths, a unit-file writer, golden files.

Golden files live in tests/golden/ and are only rewritten by
``pytest --update-golden``; otherwise a mismatch fails with a diff.
"""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output")


@pytest.fixture
def golden(request):
    """``golden(name, text)``: compare ``text`` with tests/golden/NAME."""
    update = request.config.getoption("--update-golden")

    def compare(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        if text != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                                f"golden/{name}", "actual", n=2))
            pytest.fail(f"output differs from golden/{name} (pytest --update-golden to accept):\n"
                        + diff[:6000])

    return compare


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` in ``path``; return the 1-based line of the change."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


MINIMAL = """\
money_unit: 万元
year: 2020
unit:
  name: 测试单位
"""


@pytest.fixture
def write_unit(tmp_path):
    """``write_unit(text)`` → path of a unit file with that (dedented) text."""
    counter = iter(range(1000))

    def write(text: str, name: str | None = None) -> Path:
        path = tmp_path / (name or f"unit{next(counter)}.yaml")
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def example_text():
    """The text of a bundled example, for deliberately broken copies."""
    def read(name: str) -> str:
        return (EXAMPLES / name).read_text(encoding="utf-8")

    return read
