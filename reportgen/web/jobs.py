"""Work outside the request (后台任务): a job table and its workers.

A page that needs checking, rendering, PDF conversion, a zip or a summary
queues a :class:`models.Job` and returns at once; the page shows its
progress.  ``reportgen serve`` runs the jobs in separate worker processes at
lower priority (:class:`reportgen.web.serve.Children`), so a check or a
LibreOffice conversion never holds the request threads' interpreter lock nor
takes the CPU from them; tests run them in this process (:func:`run_pending`,
:func:`start_worker`).  A worker claims the oldest queued job with a
conditional UPDATE, so two workers never run the same job; jobs left
``running`` by a stopped server or a dead worker are queued again
(:func:`recover`).  Job kinds: ``check`` (an upload), ``units`` (accounts of
a unit list), ``render`` (a unit's forms: .docx, PDF, bound PDF, page images,
audit), ``bundle`` (the zip of approved units), ``summary`` (the round's
summary workbook), ``audit`` (uploaded documents).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import zipfile
from pathlib import Path

from django.db import OperationalError, close_old_connections, connections, transaction
from django.utils import timezone

from reportgen.errors import ReportgenError
from reportgen.pipeline import safe_filename
from reportgen.web import engine
from reportgen.web.models import Event, Job, Round, Status, Unit

log = logging.getLogger(__name__)
#: set when a job is queued, so worker threads of this process start it at once
_WAKE = threading.Event()


def wake() -> None:
    """Wake the worker threads of this process (called when a queued job's
    transaction commits); worker processes look every 0.5 s."""
    _WAKE.set()


def enqueue(kind: str, *, round: Round | None = None, unit: Unit | None = None, user=None,
            **params) -> Job:
    """Queue a job (reusing an identical one still queued) and wake the worker."""
    same = Job.objects.filter(kind=kind, round=round, unit=unit, state=Job.State.QUEUED)
    job = next((j for j in same if j.params == params), None)
    if job is None:
        job = Job.objects.create(kind=kind, round=round, unit=unit, params=params, created_by=user,
                                 message="排队中")
    transaction.on_commit(wake)
    return job


def recover(worker: int | None = None) -> int:
    """Queue again the jobs a stopped server left running (``worker`` None),
    or those of one worker process that died (its process id); returns how many."""
    running = Job.objects.filter(state=Job.State.RUNNING)
    if worker is None:
        jobs, message = list(running), "服务重启后重新排队"
    else:
        jobs, message = [j for j in running if j.params.get("worker") == worker], "后台进程意外退出，重新排队"
    for job in jobs:
        job.params.pop("worker", None)
        Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
            state=Job.State.QUEUED, progress=0, message=message, params=job.params)
    return len(jobs)


def claim() -> Job | None:
    """The oldest queued job, now marked running by this process (None when there is none)."""
    for job in Job.objects.filter(state=Job.State.QUEUED).order_by("id")[:5]:
        took = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, started_at=timezone.now(), message="进行中")
        if took:
            job.refresh_from_db()
            job.params["worker"] = os.getpid()
            Job.objects.filter(pk=job.pk).update(params=job.params)
            return job
    return None


def run_pending(limit: int = 1000) -> int:
    """Run queued jobs in this thread until none is left; returns how many ran."""
    n = 0
    while n < limit:
        job = claim()
        if job is None:
            break
        run(job)
        n += 1
    return n


def _progress(job: Job):
    def report(pct: int, message: str) -> None:
        Job.objects.filter(pk=job.pk).update(progress=pct, message=message)
    return report


def run(job: Job) -> None:
    """Run one claimed job; its failure is recorded on the job, never raised."""
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise ReportgenError(f"未知的任务类型 {job.kind}")
        result = handler(job, _progress(job)) or ""
        job.refresh_from_db(fields=["params"])
        Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, progress=100,
                                             message=job.params.get("summary", "已完成"),
                                             result=result, finished_at=timezone.now())
    except ReportgenError as exc:
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, message=str(exc),
                                             finished_at=timezone.now())
    except OperationalError as exc:  # SQLite busy under a burst of uploads: try again, a few times
        tries = job.params.get("tries", 0) + 1
        if tries <= 3:
            Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, message="数据库忙，稍后自动重试",
                                                 params={**job.params, "tries": tries})
        else:
            Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, finished_at=timezone.now(),
                                                 message=f"数据库忙，重试 3 次仍未完成（{exc}）")
    except Exception as exc:  # an unexpected failure ends this job, not the worker
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED,
                                             message=f"任务失败（{type(exc).__name__}: {exc}）",
                                             finished_at=timezone.now())


def work(stop, poll: float = 1.0) -> None:
    """Run jobs until ``stop`` (an Event) is set: the loop of one worker
    thread or process; when none is queued it waits for :func:`wake` (a job
    queued in this process) or ``poll`` seconds."""
    while not stop.is_set():
        close_old_connections()
        try:
            ran = run_pending(limit=20)
        except Exception:  # the database went away for a moment: try again shortly
            log.exception("job worker")
            ran = 0
        if not ran:
            _WAKE.wait(timeout=poll)
            _WAKE.clear()
    connections.close_all()     # this thread's connection, so the database can be dropped or moved


def start_worker(threads: int = 2) -> threading.Event:
    """Recover jobs and run them in ``threads`` threads of this process (the
    browser tests do; ``reportgen serve`` uses worker processes); set the
    returned event to stop them."""
    recover()
    stop = threading.Event()
    for i in range(threads):
        threading.Thread(target=work, args=(stop,), name=f"reportgen-jobs-{i}", daemon=True).start()
    return stop


# -- job kinds ---------------------------------------------------------------


def unit_dir(unit: Unit) -> Path:
    """The unit's folder in the data folder: its uploads and its renders."""
    return engine.data_dir() / "rounds" / str(unit.round_id) / "units" / str(unit.pk)


def unit_folder(unit: Unit, revision: int) -> Path:
    return unit_dir(unit) / f"r{revision}"


def store_upload(unit: Unit, suffix: str, chunks) -> str:
    """Keep an uploaded file (``chunks``: bytes pieces) among the unit's
    uploads, named by the time; returns its path relative to the data
    folder, as a check job's ``path``."""
    folder = unit_dir(unit) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{timezone.now():%Y%m%d-%H%M%S-%f}{suffix}"
    with open(stored, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return str(stored.relative_to(engine.data_dir()))


def render_job(job: Job, progress) -> str:
    unit = Unit.objects.select_related("round").get(pk=job.unit_id)
    revision = unit.revision
    if unit.n_errors or not unit.data_yaml:
        raise ReportgenError("数据有错误或尚未上传，未生成报表")
    folder = unit_folder(unit, revision)
    if folder.exists():
        shutil.rmtree(folder)
    progress(10, "正在生成 Word 文件、PDF 和预览图")
    made = engine.render_unit_files(unit.round.pack_hash, unit.data_yaml, folder)
    made["revision"] = revision
    # a newer upload while this ran keeps its own (newer) render
    Unit.objects.filter(pk=unit.pk, revision=revision).update(rendered=made, rendered_revision=revision)
    return str(folder.relative_to(engine.data_dir()))


def ensure_rendered(unit: Unit, progress=lambda p, m: None) -> dict:
    """The unit's rendered files for its current data, rendering now when missing."""
    if unit.preview_ready and (engine.data_dir() / _folder_rel(unit)).exists():
        return unit.rendered
    job = Job(kind="render", unit=unit)
    render_job(job, progress)
    unit.refresh_from_db()
    return unit.rendered


def _folder_rel(unit: Unit) -> Path:
    return unit_folder(unit, unit.rendered_revision).relative_to(engine.data_dir())


def bundle_job(job: Job, progress) -> str:
    rnd = Round.objects.get(pk=job.round_id)
    units = list(rnd.units.filter(status=Status.APPROVED).order_by("id"))
    if not units:
        raise ReportgenError("本轮次还没有已通过的单位")
    outdir = engine.data_dir() / "rounds" / str(rnd.pk) / "exports"
    outdir.mkdir(parents=True, exist_ok=True)
    name = safe_filename(f"{rnd.title}_已通过报表_{timezone.localtime():%Y%m%d-%H%M%S}.zip")
    tmp = outdir / (name + ".part")
    used: dict[str, int] = {}
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for i, unit in enumerate(units):
            progress(int(90 * i / len(units)), f"正在打包 {unit.name}（{i + 1}/{len(units)}）")
            made = ensure_rendered(unit)
            folder = unit_folder(unit, made["revision"])
            base = safe_filename(unit.name)
            used[base] = used.get(base, 0) + 1
            if used[base] > 1:
                base += f"（{used[base]}）"
            for _, doc in made["docx"]:
                z.write(folder / doc, f"{base}/{doc}")
            if made.get("bound"):
                z.write(folder / made["bound"], f"{base}/{made['bound']}")
    tmp.rename(outdir / name)
    Event.objects.create(round=rnd, action="打包已通过报表", detail=f"{len(units)} 个单位：{name}",
                         user=job.created_by, username=getattr(job.created_by, "username", ""))
    return str((outdir / name).relative_to(engine.data_dir()))


def summary_job(job: Job, progress) -> str:
    rnd = Round.objects.get(pk=job.round_id)
    which = job.params.get("which", "approved")
    qs = rnd.units.exclude(data_yaml="")
    if which == "approved":
        qs = qs.filter(status=Status.APPROVED)
    units = [(u.name, u.data_yaml) for u in qs.order_by("id")]
    if not units:
        raise ReportgenError("没有可汇总的单位数据")
    progress(20, f"正在汇总 {len(units)} 个单位")
    data = engine.summary_workbook(rnd.pack_hash, units)
    outdir = engine.data_dir() / "rounds" / str(rnd.pk) / "exports"
    outdir.mkdir(parents=True, exist_ok=True)
    name = safe_filename(f"{rnd.title}_汇总_{timezone.localtime():%Y%m%d-%H%M%S}.xlsx")
    (outdir / (name + ".part")).write_bytes(data)
    (outdir / (name + ".part")).rename(outdir / name)
    return str((outdir / name).relative_to(engine.data_dir()))


def audit_job(job: Job, progress) -> str:
    folder = engine.data_dir() / job.params["folder"]
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "findings.json"
                   and not p.name.endswith(".xlsx"))
    progress(10, f"正在审核 {len(files)} 个文件")
    data, findings, problems = engine.audit_documents([(p.name, p) for p in files])
    (folder / "审核结果.xlsx").write_bytes(data)
    (folder / "findings.json").write_text(json.dumps({"findings": findings, "problems": problems},
                                                     ensure_ascii=False), encoding="utf-8")
    return str((folder / "审核结果.xlsx").relative_to(engine.data_dir()))


def check_job(job: Job, progress) -> str:
    """Check an uploaded file and make it the unit's data (a file that cannot
    be read at all is refused and the unit's data stay as they were)."""
    unit = Unit.objects.select_related("round").get(pk=job.unit_id)
    if unit.status in (Status.SUBMITTED, Status.APPROVED):
        raise ReportgenError("数据已提交，上传的文件未采用")
    data = (engine.data_dir() / job.params["path"]).read_bytes()
    name = job.params["name"]
    progress(10, f"正在核对“{name}”")
    checked = engine.check_upload(unit.round.pack_hash, name, data, job.params.get("form", False))
    if checked.yaml_text is None:
        raise ReportgenError("；".join(f"{p['where']}: {p['message']}" for p in checked.problems)
                             + "（文件未被接收，数据保持原样）")
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        was_returned = unit.status == Status.RETURNED
        unit.data_yaml, unit.source_name = checked.yaml_text, name
        unit.problems, unit.overrides, unit.scores = checked.problems, checked.overrides, checked.scores
        unit.n_errors, unit.n_warnings = checked.n_errors, checked.n_warnings
        unit.revision += 1
        unit.status = Status.ERRORS if checked.n_errors else (Status.RETURNED if was_returned else Status.READY)
        unit.save()
    Event.objects.create(round=unit.round, unit=unit, user=job.created_by,
                         username=getattr(job.created_by, "username", ""), action="上传数据",
                         detail=f"{name}（第 {unit.revision} 版）：{checked.n_errors} 个错误，{checked.n_warnings} 个警告")
    if not checked.n_errors:
        enqueue("render", round=unit.round, unit=unit, user=job.created_by, revision=unit.revision)
    return ""


def units_job(job: Job, progress) -> str:
    from reportgen.web import accounts

    rnd = Round.objects.get(pk=job.round_id)
    rows = job.params["rows"]
    made, skipped = [], []
    for i in range(0, len(rows), 20):
        progress(int(100 * i / len(rows)), f"正在建立账号（{i}/{len(rows)}）")
        m, s = accounts.add_units(rnd, rows[i:i + 20])
        made += m
        skipped += s
    Job.objects.filter(pk=job.pk).update(message="")
    Event.objects.create(round=rnd, action="建立单位账号", user=job.created_by,
                         username=getattr(job.created_by, "username", ""),
                         detail=f"{job.params.get('source', '')}：新增 {len(made)} 个单位"
                                + (f"，{len(skipped)} 个已存在未重复添加：" + "、".join(skipped[:20]) if skipped else ""))
    job.params["summary"] = f"新增 {len(made)} 个单位" + (f"，{len(skipped)} 个已存在未重复添加" if skipped else "")
    Job.objects.filter(pk=job.pk).update(params=job.params)
    return ""


HANDLERS = {"check": check_job, "units": units_job, "render": render_job, "bundle": bundle_job, "summary": summary_job, "audit": audit_job}
