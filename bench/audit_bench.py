#!/usr/bin/env python3
"""Benchmark of ``reportgen audit`` on PDF documents: the PDF text libraries
side by side (pages per second for the text of every page), then the audit
itself — in process (read + every check) and end to end (``python -m
reportgen audit FILE``, interpreter start included) — against the target of
≥ 10 pages per second.  A script to run by hand, not a test::

    python bench/audit_bench.py                      # the PDFs of ../shared/cases
    python bench/audit_bench.py 文件夹/*.pdf          # other PDFs
    python bench/audit_bench.py --repeat 5

Libraries not installed are reported as such (pdfplumber is not a
dependency; pdftotext comes with poppler-utils).  reportgen reads PDFs with
pypdfium2: text and the positioned segments the table checks need.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 10.0          # pages per second, end to end (issue 14)


def pages_of(path: Path) -> int:
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def with_pypdf(path: Path) -> None:
    from pypdf import PdfReader
    for page in PdfReader(str(path)).pages:
        page.extract_text()


def with_pypdfium2(path: Path) -> None:
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    for i in range(len(pdf)):
        pdf[i].get_textpage().get_text_range()
    pdf.close()


def with_reportgen_reader(path: Path) -> None:
    from reportgen.audit.read import read
    read(path)


def with_pdfplumber(path: Path) -> None:
    import pdfplumber
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def with_pdftotext(path: Path) -> None:
    subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)


def available(name: str) -> bool:
    if name == "pdftotext":
        return shutil.which("pdftotext") is not None
    try:
        __import__(name)
        return True
    except ImportError:
        return False


def timed(fn, files: list[Path], repeat: int) -> float:
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        for f in files:
            fn(f)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = args.files or sorted((ROOT.parent / "shared" / "cases").rglob("*.pdf"))
    if not files:
        sys.exit("没有 PDF 文件：请给出文件，或把 shared/ 放在仓库旁边")
    pages = sum(pages_of(f) for f in files)
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}")
    print(f"文件：{len(files)} 个 PDF，共 {pages} 页；每项取 {args.repeat} 次中最快一次\n")

    print("PDF 文字提取（每页全文）")
    for label, module, fn in (("pypdf", "pypdf", with_pypdf), ("pypdfium2", "pypdfium2", with_pypdfium2),
                              ("pdfplumber", "pdfplumber", with_pdfplumber),
                              ("pdftotext -layout（poppler）", "pdftotext", with_pdftotext),
                              ("reportgen 读取（pypdfium2 文字+表格位置）", "pypdfium2", with_reportgen_reader)):
        if not available(module):
            print(f"  {label:40} 未安装")
            continue
        dt = timed(fn, files, args.repeat)
        print(f"  {label:40} {dt:7.2f} 秒  {pages / dt:8.1f} 页/秒")

    from reportgen.audit import audit_file
    dt = timed(audit_file, files, args.repeat)
    print(f"\n审核（进程内：读取 + 全部检查）          {dt:7.2f} 秒  {pages / dt:8.1f} 页/秒")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cmd = [sys.executable, "-m", "reportgen", "audit", *map(str, files)]
    best = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env)
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    rate = pages / best
    print(f"审核（端到端：python -m reportgen audit） {best:7.2f} 秒  {rate:8.1f} 页/秒  "
          f"目标 ≥ {TARGET:.0f} 页/秒：{'达标' if rate >= TARGET else '未达标'}")
    for f in files:
        n = pages_of(f)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reportgen", "audit", str(f)], capture_output=True, cwd=ROOT, env=env)
        d = time.perf_counter() - t
        print(f"  {f.name:40} {n:3d} 页 {d:6.2f} 秒  {n / d:6.1f} 页/秒")


if __name__ == "__main__":
    main()
