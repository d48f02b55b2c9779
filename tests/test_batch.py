"""Batch rendering: many unit files at once, a bad unit reported and skipped,
worker processes, plain progress lines off a terminal, no partial files, and
the compiled-template fast path giving the same bytes as a single render."""

import shutil

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from conftest import EXAMPLES

JINZHONG = ["jinzhong-gongxin-2021.yaml", "jinzhong-huitong-2021.yaml", "jinzhong-zhaoshang-2020.yaml"]
FORMS = {"jinzhong-gongxin-2021": 1, "jinzhong-huitong-2021": 1, "jinzhong-zhaoshang-2020": 3}
BAD = ("initial: 23310.11", "initial: 23310,11元")


@pytest.fixture
def units(tmp_path):
    """A folder with the jinzhong examples and a copy of one with a bad value."""
    folder = tmp_path / "各单位"
    folder.mkdir()
    for name in JINZHONG:
        shutil.copy(EXAMPLES / name, folder / name)
    text = (EXAMPLES / JINZHONG[0]).read_text(encoding="utf-8")
    assert BAD[0] in text
    (folder / "broken.yaml").write_text(text.replace(*BAD), encoding="utf-8")
    (folder / "说明.txt").write_text("not a unit file", encoding="utf-8")
    return folder


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_renders_the_good_units_and_reports_the_broken_one(units, tmp_path, jobs):
    out = tmp_path / "输出"
    (out / "broken").mkdir(parents=True)
    (out / "broken" / "上次的.docx").write_bytes(b"old")      # already there: left alone
    r = run("render", units, "-t", "jinzhong", "-o", out, "--jobs", jobs)
    assert r.exit_code == 1, r.output
    assert "共 4 个单位：3 个已生成，1 个失败" in r.output
    line = next(i for i, x in enumerate((units / "broken.yaml").read_text(encoding="utf-8")
                                        .splitlines(), 1) if BAD[1] in x)
    assert f"broken.yaml:{line}:12: budget.initial（年初预算金额）: 应为金额数字（万元），实为 '23310,11元'" \
        in r.output.split("失败的单位（各列第一个错误）：")[1]
    written = files_under(out)
    assert written == sorted(["broken/上次的.docx"] + [
        f"{stem}/{f.name}" for stem in FORMS for f in (out / stem).iterdir()])
    for stem, n in FORMS.items():
        assert len(list((out / stem).glob("*.docx"))) == n
    assert (out / "broken" / "上次的.docx").read_bytes() == b"old"
    assert not [p for p in out.rglob("*") if p.name.startswith(".reportgen-")]


def test_batch_output_is_byte_identical_to_single_renders_and_across_jobs(units, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    files = [units / n for n in JINZHONG]
    assert run("render", *files, "-t", "jinzhong", "-o", one).exit_code == 0
    assert run("render", *files, "-t", "jinzhong", "-o", two, "-j", "2").exit_code == 0
    assert files_under(one) == files_under(two)
    for name in JINZHONG:
        single = tmp_path / "single" / name
        assert run("render", units / name, "-t", "jinzhong", "-o", single).exit_code == 0
        stem = name.removesuffix(".yaml")
        assert sorted(p.name for p in single.iterdir()) == sorted(p.name for p in (one / stem).iterdir())
        for p in single.iterdir():
            assert (one / stem / p.name).read_bytes() == p.read_bytes() == (two / stem / p.name).read_bytes()


def test_plain_lines_when_output_is_not_a_terminal(units, tmp_path):
    r = run("render", units, "-t", "jinzhong", "-o", tmp_path / "out")
    lines = r.output.splitlines()
    progress = [x for x in lines if x.startswith("[")]
    assert len(progress) == 4
    assert {x.split("]")[0] for x in progress} == {f"[{i}/4" for i in range(1, 5)}
    assert sum("] 已生成 " in x for x in progress) == 3 and sum("] 失败 " in x for x in progress) == 1
    assert "%" not in r.output and "█" not in r.output and "\r" not in r.output


def test_every_unit_fails_when_the_form_is_unknown_or_output_is_a_file(units, tmp_path):
    out = tmp_path / "out"
    r = run("render", units, "-t", "jinzhong", "-o", out, "--form", "budget")
    assert r.exit_code == 1 and "没有表单 budget" in r.output
    r = run("render", units, "-t", "jinzhong", "-o", tmp_path / "x.docx")
    assert r.exit_code == 1 and "-o 请给出文件夹" in r.output
    r = run("render", units, tmp_path / "没有这个.yaml", "-t", "jinzhong", "-o", out)
    assert r.exit_code == 1 and "没有这个.yaml: 文件或文件夹不存在" in r.output
    assert not out.exists() and not (tmp_path / "x.docx").exists()


def test_form_option_applies_to_each_unit(units, tmp_path):
    out = tmp_path / "out"
    r = run("render", units / JINZHONG[2], units / JINZHONG[0], "-t", "jinzhong", "-o", out,
            "--form", "project")
    assert r.exit_code == 0, r.output
    assert len(list((out / "jinzhong-zhaoshang-2020").glob("*.docx"))) == 2
    assert not (out / "jinzhong-gongxin-2021").exists()   # no project forms: nothing to write
    assert "jinzhong-gongxin-2021（0 个文件，1 个警告）" in r.output   # it says why


def test_unit_files_and_folders(units, tmp_path):
    from reportgen.output.batch import unit_files, unit_folders

    (units / "extra.yml").write_text("year: 2020\n", encoding="utf-8")
    files, problems = unit_files([str(units), str(units / "broken.yaml"), str(tmp_path / "nope")])
    assert [f.name for f in files] == ["broken.yaml", "extra.yml"] + JINZHONG
    assert problems == [f"{tmp_path / 'nope'}: 文件或文件夹不存在"]
    empty = tmp_path / "空"
    empty.mkdir()
    assert unit_files([str(empty)])[1] == [f"{empty}: 文件夹中没有单位数据文件（*.yaml / *.yml）或数据采集表（*.xlsx）"]
    other = tmp_path / "b"
    other.mkdir()
    (other / "broken.yaml").write_text("", encoding="utf-8")
    folders = unit_folders([units / "broken.yaml", other / "broken.yaml", units / "a:b.yaml"], tmp_path)
    assert [f.name for f in folders] == ["broken", "broken（2）", "a_b"]


CASES = [(name, "jinzhong") for name in JINZHONG] + [
    ("ningxiang-gongxin-2022.yaml", "ningxiang"), ("xinzhou-gongxin-2021.yaml", "xinzhou")]


@pytest.mark.parametrize("example, pack", CASES)
def test_compiled_templates_give_the_bytes_of_an_ordinary_render(example, pack):
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms
    from reportgen.output.template_cache import render_cached

    prepared = prepare(EXAMPLES / example, load_pack(pack))
    ordinary = render_forms(prepared)
    assert render_forms(prepared, render=render_cached) == ordinary   # first: ordinary, kept
    assert render_forms(prepared, render=render_cached) == ordinary   # then: compiled body


@pytest.mark.slow
def test_compiled_templates_are_kept_on_disk_and_a_bad_entry_is_ignored(tmp_path, monkeypatch):
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms
    from reportgen.output.template_cache import CompiledTemplate, cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    prepared = prepare(EXAMPLES / "jinzhong-zhaoshang-2020.yaml", load_pack("jinzhong"))
    ordinary = render_forms(prepared)
    templates = {}

    def fresh(path, context, core=None):          # a new process: nothing compiled in memory
        templates[path] = CompiledTemplate(path)
        return templates[path].render(context, core)

    assert render_forms(prepared, render=fresh) == ordinary
    entries = sorted(cache_dir().glob("*.docx-template"))
    assert len(entries) == 2 and cache_dir() == tmp_path / "cache" / "reportgen"
    assert (cache_dir() / "secret.key").stat().st_mode & 0o777 == 0o600
    assert render_forms(prepared, render=fresh) == ordinary            # from the entries
    assert all(t._skeleton is not None and t._code is None for t in templates.values())
    for e in entries:
        e.write_bytes(b"not a compiled template")
    assert render_forms(prepared, render=fresh) == ordinary            # bad entry: compiled again
    assert all(e.read_bytes() != b"not a compiled template" for e in entries)
    good = entries[0].read_bytes()
    for damaged in (good[:-100], good[:32] + b"x" + good[33:], good[32:]):   # cut, one byte changed, no MAC
        entries[0].write_bytes(damaged)
        assert render_forms(prepared, render=fresh) == ordinary        # silently compiled again
        assert entries[0].read_bytes() == good                         # and replaced


def test_no_disk_cache_when_it_cannot_be_written(tmp_path, monkeypatch):
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms
    from reportgen.output.template_cache import CompiledTemplate

    blocked = tmp_path / "file"
    blocked.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))        # a file, not a folder
    prepared = prepare(EXAMPLES / "jinzhong-gongxin-2021.yaml", load_pack("jinzhong"))
    compiled = {}

    def once(path, context, core=None):
        compiled.setdefault(path, CompiledTemplate(path))
        return compiled[path].render(context, core)

    ordinary = render_forms(prepared)
    assert render_forms(prepared, render=once) == ordinary
    assert all(t._code is None for t in compiled.values())    # nothing compiled for a cache
    assert render_forms(prepared, render=once) == ordinary     # compiled now, in memory
    assert all(t._code is not None for t in compiled.values())


@pytest.mark.slow
def test_a_batch_runs_with_spawned_workers_as_on_windows(tmp_path, monkeypatch):
    """Windows has no fork: workers are spawned and import everything
    afresh.  The batch must not depend on what a forked worker inherits."""
    import functools
    import multiprocessing
    from reportgen.output import batch

    monkeypatch.setattr(batch, "ProcessPoolExecutor",
                        functools.partial(batch.ProcessPoolExecutor,
                                          mp_context=multiprocessing.get_context("spawn")))
    files = [EXAMPLES / "jinzhong-gongxin-2021.yaml", EXAMPLES / "jinzhong-huitong-2021.yaml"]
    results = list(batch.render_batch(files, "jinzhong", tmp_path, jobs=2))
    assert all(r.ok for r in results), [r.errors for r in results]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jinzhong-gongxin-2021", "jinzhong-huitong-2021"]
