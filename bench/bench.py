#!/usr/bin/env python3
"""Benchmark of ``reportgen render``: single-unit cold start, batch
throughput against a plain docxtpl loop, peak memory, batch PDF against one
LibreOffice call per document.  Prints each figure next to its target with
达标/未达标.  A script to run by hand, not a test::

    python bench/bench.py                 # 1000 units for the batch figures
    python bench/bench.py --units 200     # quicker

Units are synthetic copies of ``examples/jinzhong-gongxin-2021.yaml`` (one
部门整体支出绩效自评表 each) with their own name and amounts (the budget
identity kept).  ``reportgen`` runs from this checkout (``python -m reportgen``)
with its .pyc files written, as after ``pip install``, and a compiled-
template cache of its own (``XDG_CACHE_HOME`` in the temporary folder).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "jinzhong-gongxin-2021.yaml"
PACK = "jinzhong"
CLI = [sys.executable, "-m", "reportgen"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
PAGE = os.sysconf("SC_PAGE_SIZE")


def make_units(folder: Path, n: int) -> list[Path]:
    """``n`` unit files: a numbered unit name; 年初预算 and 预算执行 both
    raised by the same deterministic amount, so the budget identity holds."""
    text = EXAMPLE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        delta = Decimal(i % 97) * Decimal("1.37") + Decimal(i) / 100
        t = text.replace("name: 晋中市工业和信息化局", f"name: 晋中市批量测试单位{i:04d}", 1)
        t = t.replace("initial: 23310.11", f"initial: {Decimal('23310.11') + delta}", 1)
        t = t.replace("executed: 8701.72", f"executed: {Decimal('8701.72') + delta}", 1)
        path = folder / f"unit{i:04d}.yaml"
        path.write_text(t, encoding="utf-8")
        files.append(path)
    return files


def tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run(cmd: list[str], sample: bool = False) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run ``cmd``: wall seconds, peak RSS of its process tree (sampled every
    20 ms when ``sample``), and the finished process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    peak = [0]
    done = threading.Event()

    def sampler():
        while not done.wait(0.02):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    thread = threading.Thread(target=sampler, daemon=True)
    if sample:
        thread.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    if sample:
        thread.join()
    result = subprocess.CompletedProcess(cmd, proc.returncode, out.decode(), err.decode())
    if proc.returncode not in (0,):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return wall, peak[0], result


def plain_docxtpl(files: list[Path], out: Path) -> tuple[float, int]:
    """The baseline: for each unit's form, DocxTemplate load → render → save
    to a file, over the same template and the same contexts (contexts
    prepared beforehand, not timed).  Uses reportgen's FormTemplate (docxtpl
    plus the ``{% vmerge %}`` tag the template needs) and its Jinja env."""
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import output_name, prepare
    from reportgen.output.render import FormTemplate, _docx_env

    pack = load_pack(PACK)
    jobs = []
    for f in files:
        for pf in prepare(f, pack).forms:
            jobs.append((pf.form.template, pf.context(), output_name(pf)))
    out.mkdir(parents=True)
    start = time.perf_counter()
    for i, (template, context, name) in enumerate(jobs):
        tpl = FormTemplate(str(template))
        tpl.render(context, jinja_env=_docx_env())
        tpl.save(str(out / f"{i:04d}-{name}"))
    return time.perf_counter() - start, len(jobs)


def verdict(ok: bool) -> str:
    return "达标" if ok else "未达标"


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lo = ""
    soffice = shutil.which("soffice")
    if soffice:
        lo = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} 核 {cpu}；Python {platform.python_version()}；"
            f"{platform.system()} {platform.release()}；{lo or '无 LibreOffice'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=1000, help="units in the batch figures (b), (c)")
    ap.add_argument("--pdf-units", type=int, default=20, help="units in the PDF figure (d)")
    ap.add_argument("--runs", type=int, default=7, help="runs of the cold single render (a)")
    ap.add_argument("--only", default="abcd", help="which figures, e.g. --only ad (default abcd)")
    args = ap.parse_args()
    print(f"机器: {machine()}")
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        tmp = Path(tmp)
        ENV["XDG_CACHE_HOME"] = str(tmp / "cache")  # a cache of its own, empty at first
        files = make_units(tmp / "units", max(args.units, args.pdf_units, 1))

        if "a" in args.only:
            cold_start(files[0], tmp, args.runs)
        if "b" in args.only or "c" in args.only:
            throughput(files[:args.units], tmp)
        if "d" in args.only:
            pdf(files[:args.pdf_units], tmp)


def cold_start(unit: Path, tmp: Path, runs: int) -> None:
    """(a) one unit, cold process: median wall time of ``runs`` runs."""
    single = CLI + ["render", str(unit), "-t", PACK, "-o", str(tmp / "single")]
    first = run(single)[0]  # writes the .pyc files and the compiled-template cache
    times = [run(single)[0] for _ in range(runs)]
    a = statistics.median(times)
    print(f"(a) 单个单位 reportgen render（新进程，{runs} 次中位数；最快 {min(times):.3f} s；"
          f"首次运行、尚无模板编译缓存 {first:.3f} s）: {a:.3f} s（目标 < 0.5 s）{verdict(a < 0.5)}")


def throughput(batch: list[Path], tmp: Path) -> None:
    """(b) batch docx throughput, --jobs 1 and 2, against the plain loop;
    (c) peak memory of the process tree."""
    folder = tmp / "batch"
    folder.mkdir()
    for f in batch:
        os.link(f, folder / f.name)
    figures = {}
    for jobs in (1, 2):
        out = tmp / f"out{jobs}"
        wall, peak, res = run(CLI + ["render", str(folder), "-t", PACK, "-o", str(out),
                                     "--jobs", str(jobs)], sample=True)
        assert f"共 {len(batch)} 个单位：{len(batch)} 个已生成，0 个失败" in res.stdout, res.stdout[-500:]
        figures[jobs] = (wall, sum(1 for _ in out.rglob("*.docx")), peak)
    plain, plain_docs = plain_docxtpl(batch, tmp / "plain")
    per_plain = plain / plain_docs
    print(f"(b) 批量 {len(batch)} 个单位（{figures[1][1]} 个文件）:")
    print(f"    普通 docxtpl 循环（载入/填写/保存，上下文预先算好）: {plain:.1f} s，每份 {per_plain * 1000:.1f} ms")
    for jobs in (1, 2):
        wall, docs, _ = figures[jobs]
        per = wall / docs
        line = (f"    reportgen --jobs {jobs}（含启动、读取、核对、计分、写文件）: {wall:.1f} s，"
                f"每份 {per * 1000:.1f} ms，为普通循环的 {per / per_plain:.2f} 倍")
        if jobs == 2:
            line += f"（目标 ≤ 0.6 倍）{verdict(per / per_plain <= 0.6)}"
        print(line)
    peak = max(figures[1][2], figures[2][2])
    print(f"(c) {len(batch)} 个单位批量的内存峰值（进程树 RSS 之和，每 20 ms 采样）: "
          f"--jobs 1 {figures[1][2] / 2**20:.0f} MB，--jobs 2 {figures[2][2] / 2**20:.0f} MB"
          f"（目标 < 300 MB）{verdict(peak < 300 * 2**20)}")


def pdf(units: list[Path], tmp: Path) -> None:
    """(d) batch --pdf per document against one soffice call per document."""
    soffice = shutil.which("soffice")
    if soffice is None:
        print("(d) 未安装 LibreOffice，跳过 PDF 测量")
        return
    n = len(units)
    folder = tmp / "pdfunits"
    folder.mkdir()
    for f in units:
        os.link(f, folder / f.name)
    # both sides first run once, not counted: a LibreOffice profile exists
    run(CLI + ["render", str(units[0]), "-t", PACK, "-o", str(tmp / "pdf-warm"), "--pdf"])
    wall, _, res = run(CLI + ["render", str(folder), "-t", PACK, "-o", str(tmp / "pdf"),
                              "--jobs", "2", "--pdf"])
    assert f"共 {n} 个单位：{n} 个已生成，0 个失败" in res.stdout, res.stdout[-500:]
    docs = sorted((tmp / "pdf").rglob("*.docx"))
    per_batch = wall / len(docs)
    single_out = tmp / "pdf-single"
    profile = (tmp / "lo-profile").as_uri()
    call = [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
            "--convert-to", "pdf", "--outdir", str(single_out)]
    run(call + [str(docs[0])])  # creates the profile (not counted)
    start = time.perf_counter()
    for d in docs:
        run(call + [str(d)])
    per_single = (time.perf_counter() - start) / len(docs)
    assert len(list(single_out.glob("*.pdf"))) == len(docs)
    ratio = per_single / per_batch
    print(f"(d) PDF，{n} 个单位（两种方式都先运行一次、不计时，已有 LibreOffice 配置文件夹）: reportgen render --pdf --jobs 2（含生成 Word、转换、合订）"
          f"每份 {per_batch:.3f} s；每份单独调用一次 soffice 每份 {per_single:.3f} s；"
          f"快 {ratio:.1f} 倍（目标 ≥ 5 倍）{verdict(ratio >= 5)}")


if __name__ == "__main__":
    main()
