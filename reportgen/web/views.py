"""The workbench's pages, by role: the bureau's rounds and status board,
the unit's page, review, outputs, jobs.  Every problem shown to a user is
Chinese; every action is written to the log (:class:`models.Event`)."""

from __future__ import annotations

import mimetypes
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from reportgen import numbers as N
from reportgen.errors import ReportgenError
from reportgen.pipeline import safe_filename
from reportgen.web import accounts, engine, jobs
from reportgen.web.comments import annotate, comment_targets, placed_comments
from reportgen.web.access import (admin_required, bureau_required, is_bureau, role_of, unit_for,
                                  unit_scoped)
from reportgen.web.models import Comment, Event, Job, Profile, Role, Round, Status, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the statuses of the board, in the order a round moves through them
BOARD = [Status.EMPTY, Status.ERRORS, Status.READY, Status.SUBMITTED, Status.RETURNED, Status.APPROVED]


def log(request, action: str, detail: str = "", round=None, unit=None) -> None:
    Event.objects.create(user=request.user if request.user.is_authenticated else None,
                         username=request.user.get_username() if request.user.is_authenticated else "",
                         round=round or (unit.round if unit else None), unit=unit,
                         action=action, detail=detail)


def _upload(request, name: str):
    """The uploaded file ``name`` within the size limit, else None with a message."""
    f = request.FILES.get(name)
    if f is None:
        messages.error(request, "请选择要上传的文件")
        return None
    if f.size > settings.MAX_UPLOAD_BYTES:
        messages.error(request, f"文件“{f.name}”有 {N.fixed(Decimal(f.size) / 1048576, 1)} MB，超过上限 "
                                f"{settings.MAX_UPLOAD_BYTES // 1048576} MB，未接收")
        return None
    return f


def _download(data: bytes | Path, filename: str, content_type: str | None = None):
    if isinstance(data, Path):
        resp = FileResponse(open(data, "rb"), as_attachment=True, filename=filename,
                            content_type=content_type or mimetypes.guess_type(filename)[0])
    else:
        resp = HttpResponse(data, content_type=content_type or "application/octet-stream")
        from django.utils.http import content_disposition_header

        resp["Content-Disposition"] = content_disposition_header(True, filename)
    return resp


# -- home, password ------------------------------------------------------------


@login_required
def home(request):
    if is_bureau(request.user):
        return redirect("rounds")
    unit = Unit.objects.filter(user=request.user).first()
    if unit is None:
        raise PermissionDenied("此账号没有对应的单位，请联系财政局管理员")
    return redirect("unit", unit_id=unit.pk)


@login_required
def password(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        Profile.objects.filter(user=request.user).update(must_change_password=False)
        Unit.objects.filter(user=request.user).update(initial_password="")
        log(request, "修改密码")
        messages.success(request, "密码已修改")
        return redirect("home")
    return render(request, "web/password.html", {"form": form})


# -- the bureau: rounds, board, units -----------------------------------------


@bureau_required
def rounds(request):
    return render(request, "web/rounds.html", {
        "rounds": Round.objects.annotate(n_units=Count("units")),
        "packs": engine.builtin_choices(), "can_admin": role_of(request.user) == Role.ADMIN})


@admin_required
@require_POST
def round_create(request):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        messages.error(request, "请填写年度（如 2024）")
        return redirect("rounds")
    title = request.POST.get("title", "").strip()[:200]
    with engine.scratch("pack-") as tmp:
        try:
            if request.FILES.get("pack_zip"):
                f = _upload(request, "pack_zip")
                if f is None:
                    return redirect("rounds")
                zpath = Path(tmp) / "pack.zip"
                with open(zpath, "wb") as out:
                    for chunk in f.chunks():
                        out.write(chunk)
                folder = engine.unpack_zip(zpath, Path(tmp) / "x")
                label = Path(f.name).stem
            else:
                label = request.POST.get("pack", "")
                folder = engine.builtin_folder(label)
        except ReportgenError as exc:
            messages.error(request, f"模板包未被接受：{exc}")
            return redirect("rounds")
        checked = engine.check_and_freeze(folder, label)
    if checked.digest is None:
        return render(request, "web/pack_problems.html", {"checked": checked, "label": label}, status=400)
    rnd = Round.objects.create(year=year, title=title or f"{year}年度 {checked.title}",
                               pack_name=checked.name or label, pack_hash=checked.digest,
                               created_by=request.user)
    log(request, "创建轮次", f"{rnd.title}；模板包 {rnd.pack_name}（SHA-256 {rnd.pack_hash}）"
                        + (f"；templates check 警告 {len(checked.problems)} 条" if checked.problems else ""),
        round=rnd)
    for p in checked.problems:
        messages.warning(request, p)
    messages.success(request, f"已创建轮次“{rnd.title}”，模板包内容已固定（{rnd.pack_hash[:12]}…）")
    return redirect("round", round_id=rnd.pk)


@bureau_required
def round_board(request, round_id: int):
    rnd = get_object_or_404(Round, pk=round_id)
    counts = dict(rnd.units.values_list("status").annotate(n=Count("id")))
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    units = rnd.units.select_related("user").order_by("id")
    if status in Status.values:
        units = units.filter(status=status)
    if q:
        units = units.filter(name__icontains=q)
    from django.core.paginator import Paginator

    page = Paginator(units, 100).get_page(request.GET.get("page"))
    return render(request, "web/round.html", {
        "round": rnd, "units": page.object_list, "page": page, "total": page.paginator.count,
        "status": status, "q": q,
        "board": [(s, s.label, counts.get(s.value, 0)) for s in BOARD],
        "all_count": sum(counts.values()),
        "jobs": rnd.jobs.filter(unit=None).order_by("-id")[:8],
        "can_admin": role_of(request.user) == Role.ADMIN})


@admin_required
@require_POST
def units_import(request, round_id: int):
    rnd = get_object_or_404(Round, pk=round_id)
    f = _upload(request, "units_xlsx")
    if f is None:
        return redirect("round", round_id=rnd.pk)
    try:
        rows = accounts.read_unit_list(f.read())
    except ReportgenError as exc:
        messages.error(request, str(exc))
        return redirect("round", round_id=rnd.pk)
    # each account's password is hashed slowly on purpose (PBKDF2): a long list is a job
    job = jobs.enqueue("units", round=rnd, user=request.user, rows=rows, source=f.name)
    log(request, "导入单位名单", f"{f.name}：{len(rows)} 个单位", round=rnd)
    messages.info(request, f"名单中有 {len(rows)} 个单位，正在后台建立账号；完成后请导出初始密码发给各单位")
    return redirect(reverse("round", args=[rnd.pk]) + f"#job{job.pk}")


@admin_required
@require_POST
def unit_add(request, round_id: int):
    rnd = get_object_or_404(Round, pk=round_id)
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 200:
        messages.error(request, "请填写单位名称（不超过 200 字）")
        return redirect("round", round_id=rnd.pk)
    made, skipped = accounts.add_units(rnd, [{"name": name, "contact": request.POST.get("contact", "").strip()[:100],
                                              "phone": request.POST.get("phone", "").strip()[:100]}])
    if skipped:
        messages.error(request, f"单位“{name}”已在本轮次中")
    else:
        log(request, "添加单位", name, unit=made[0])
        messages.success(request, f"已添加单位“{name}”，账号 {made[0].user.username}，初始密码 {made[0].initial_password}")
    return redirect("round", round_id=rnd.pk)


@admin_required
def passwords_export(request, round_id: int):
    rnd = get_object_or_404(Round, pk=round_id)
    log(request, "导出单位账号与初始密码", round=rnd)
    return _download(accounts.passwords_workbook(rnd), f"{safe_filename(rnd.title)}_单位账号与初始密码.xlsx", XLSX)


@admin_required
@require_POST
def unit_reset_password(request, unit_id: int):
    unit = get_object_or_404(Unit, pk=unit_id)
    password = accounts.reset_password(unit)
    log(request, "重置单位密码", unit.name, unit=unit)
    messages.success(request, f"“{unit.name}”的新初始密码：{password}（账号 {unit.user.username}）")
    return redirect("round", round_id=unit.round_id)


@bureau_required
def round_log(request, round_id: int):
    rnd = get_object_or_404(Round, pk=round_id)
    return render(request, "web/log.html", {"round": rnd,
                                            "events": rnd.events.select_related("unit")[:1000]})


@bureau_required
@require_POST
def round_job(request, round_id: int, kind: str):
    rnd = get_object_or_404(Round, pk=round_id)
    if kind not in ("bundle", "summary"):
        raise Http404
    params = {"which": request.POST.get("which", "approved")} if kind == "summary" else {}
    job = jobs.enqueue(kind, round=rnd, user=request.user, **params)
    log(request, {"bundle": "请求打包已通过报表", "summary": "请求生成汇总表"}[kind], round=rnd)
    messages.info(request, "已加入后台任务，完成后可在下方“后台任务”中下载")
    return redirect(reverse("round", args=[rnd.pk]) + f"#job{job.pk}")


# -- jobs ----------------------------------------------------------------------


def _job_for(request, job_id: int) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    if job.unit_id is not None:
        unit_for(request, job.unit_id)
    elif not is_bureau(request.user):
        raise Http404("没有这个任务")
    return job


@login_required
def job_status(request, job_id: int):
    job = _job_for(request, job_id)
    return JsonResponse({"state": job.state, "state_zh": job.get_state_display(), "progress": job.progress,
                         "message": job.message, "done": not job.active,
                         "download": reverse("job_download", args=[job.pk]) if job.result and job.kind != "render" else ""})


@login_required
def job_download(request, job_id: int):
    job = _job_for(request, job_id)
    if job.state != Job.State.DONE or not job.result or job.kind == "render":
        raise Http404("结果尚未生成")
    path = (engine.data_dir() / job.result).resolve()
    if not path.is_file() or engine.data_dir().resolve() not in path.parents:
        raise Http404("结果文件已不存在")
    log(request, "下载", path.name, round=job.round)
    return _download(path, path.name)


# -- audit of documents from elsewhere ---------------------------------------------


@bureau_required
def audit_page(request):
    if request.method == "POST":
        files = request.FILES.getlist("documents")
        if not files:
            messages.error(request, "请选择要审核的文件（.docx、.pdf 或 .txt）")
            return redirect("audit")
        too_big = [f.name for f in files if f.size > settings.MAX_UPLOAD_BYTES]
        if too_big:
            messages.error(request, f"文件超过 {settings.MAX_UPLOAD_BYTES // 1048576} MB，未接收：" + "、".join(too_big))
            return redirect("audit")
        job = Job.objects.create(kind="audit", created_by=request.user, message="排队中")
        folder = engine.data_dir() / "audits" / str(job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        used = set()
        for f in files:
            name = safe_filename(Path(f.name).name)
            while name in used:
                name = "_" + name
            used.add(name)
            with open(folder / name, "wb") as out:
                for chunk in f.chunks():
                    out.write(chunk)
        job.params = {"folder": str(folder.relative_to(engine.data_dir()))}
        job.save(update_fields=["params"])
        transaction.on_commit(jobs.wake)
        log(request, "上传文件审核", f"{len(files)} 个文件：" + "、".join(sorted(used)))
        return redirect("audit_result", job_id=job.pk)
    return render(request, "web/audit.html", {"jobs": Job.objects.filter(kind="audit")[:20]})


@bureau_required
def audit_result(request, job_id: int):
    import json

    job = get_object_or_404(Job, pk=job_id, kind="audit")
    data = {}
    if job.state == Job.State.DONE:
        p = engine.data_dir() / job.params["folder"] / "findings.json"
        if p.is_file():
            data = json.loads(p.read_text(encoding="utf-8"))
    return render(request, "web/audit_result.html", {"job": job, "data": data})


# -- the unit's page ----------------------------------------------------------------


def _previous(unit: Unit) -> Unit | None:
    """The same unit (by name) in the latest earlier round with data."""
    return (Unit.objects.filter(name=unit.name, round__year__lt=unit.round.year).exclude(data_yaml="")
            .order_by("-round__year", "-id").first())


@unit_scoped
def unit_page(request, unit: Unit):
    profile = getattr(request.user, "profile", None)
    if profile and profile.must_change_password and role_of(request.user) == Role.UNIT:
        messages.info(request, "首次登录，请先修改初始密码")
        return redirect("password")
    render_job = unit.jobs.filter(kind="render").order_by("-id").first()
    check_job = unit.jobs.filter(kind="check").order_by("-id").first()
    # read the unit after its jobs: a job ending in between would otherwise
    # leave a page with the old data and no running job, which never refreshes
    unit.refresh_from_db()
    comments = placed_comments(unit)
    problems = annotate(unit.problems, comments)
    return render(request, "web/unit.html", {
        "unit": unit, "round": unit.round, "bureau": is_bureau(request.user),
        "errors": [p for p in problems if p["severity"] == "错误"],
        "warnings": [p for p in problems if p["severity"] != "错误"],
        "comments": comments, "previous": _previous(unit) if not unit.data_yaml else None,
        "job": render_job if render_job and render_job.active else None,
        "check_job": check_job if check_job and check_job.active else None,
        "rejected": check_job if check_job and check_job.state == Job.State.FAILED else None,
        "failed_job": render_job if render_job and render_job.state == Job.State.FAILED
        and render_job.params.get("revision") == unit.revision else None,
        "editable": unit.status not in (Status.SUBMITTED, Status.APPROVED) and not is_bureau(request.user),
        "can_submit": unit.status in (Status.READY, Status.RETURNED) and unit.revision and not unit.n_errors,
        "rendered": unit.rendered if unit.preview_ready else None,
        "can_admin": role_of(request.user) == Role.ADMIN,
    })


@unit_scoped
def unit_workbook(request, unit: Unit):
    source = unit.data_yaml or (_previous(unit).data_yaml if _previous(unit) else "")
    try:
        data = engine.workbook_bytes(unit.round.pack_hash, source)
    except ReportgenError as exc:
        messages.error(request, str(exc))
        return redirect("unit", unit_id=unit.pk)
    log(request, "下载采集表", "已预填" if source else "空白", unit=unit)
    return _download(data, f"{safe_filename(unit.name)}_{unit.round.year}年度_数据采集表.xlsx", XLSX)


@unit_scoped
def unit_yaml(request, unit: Unit):
    if not unit.data_yaml:
        raise Http404("尚未上传数据")
    return _download(unit.data_yaml.encode("utf-8"), f"{safe_filename(unit.name)}_{unit.round.year}年度_单位数据.yaml",
                     "text/yaml; charset=utf-8")


def refuse_change(request, unit: Unit, page: str):
    """Why ``unit``'s data may not be changed now, as the response that says
    so (back to ``page``), or None: bureau accounts never change a unit's
    data (403); submitted or approved data wait until returned."""
    if is_bureau(request.user):
        raise PermissionDenied("数据由单位填报")
    if unit.status in (Status.SUBMITTED, Status.APPROVED):
        messages.error(request, "已提交的数据不能再修改；如需修改，请联系财政局退回")
        return redirect(page, unit_id=unit.pk)
    return None


@unit_scoped
@require_POST
def unit_upload(request, unit: Unit):
    if (refused := refuse_change(request, unit, "unit")) is not None:
        return refused
    f = _upload(request, "data")
    if f is None:
        return redirect("unit", unit_id=unit.pk)
    name = Path(f.name).name
    if Path(name).suffix.lower() not in (".xlsx", ".yaml", ".yml"):
        messages.error(request, f"“{name}”：只能上传数据采集表（.xlsx）或单位数据文件（.yaml）")
        return redirect("unit", unit_id=unit.pk)
    path = jobs.store_upload(unit, Path(name).suffix.lower(), f.chunks())
    jobs.enqueue("check", round=unit.round, unit=unit, user=request.user, path=path, name=name)
    log(request, "上传文件", name, unit=unit)
    messages.info(request, f"已收到“{name}”，正在核对")
    return redirect("unit", unit_id=unit.pk)


@unit_scoped
@require_POST
def unit_render(request, unit: Unit):
    if unit.n_errors or not unit.revision:
        messages.error(request, "数据有错误或尚未上传，不能生成报表")
    else:
        jobs.enqueue("render", round=unit.round, unit=unit, user=request.user, revision=unit.revision)
        log(request, "重新生成报表", unit=unit)
    return redirect("unit", unit_id=unit.pk)


@unit_scoped
def unit_file(request, unit: Unit, name: str):
    """A rendered file of the unit's current data: a form (.docx/.pdf), the bound PDF or a page image."""
    r = unit.rendered if unit.preview_ready else {}
    allowed = {doc for _, doc in r.get("docx", [])} | set(r.get("pdf", [])) | set(r.get("pages", []))
    if name not in allowed:
        raise Http404("没有这个文件")
    path = jobs.unit_folder(unit, unit.rendered_revision) / name
    if not path.is_file():
        raise Http404("文件已不存在，请重新生成报表")
    if name.endswith(".png"):
        return FileResponse(open(path, "rb"), content_type="image/png")
    return _download(path, Path(name).name)


@unit_scoped
@require_POST
def unit_submit(request, unit: Unit):
    if is_bureau(request.user):
        raise PermissionDenied("由单位提交")
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if unit.jobs.filter(kind="check", state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists():
            messages.error(request, "正在核对刚上传的文件，请等核对完成后再提交")
            return redirect("unit", unit_id=unit.pk)
        if unit.n_errors or not unit.revision:
            messages.error(request, f"数据还有 {unit.n_errors} 个错误，不能提交；请修改后重新上传")
            return redirect("unit", unit_id=unit.pk)
        if unit.status not in (Status.READY, Status.RETURNED):
            messages.error(request, f"当前状态为“{unit.get_status_display()}”，不能提交")
            return redirect("unit", unit_id=unit.pk)
        note = request.POST.get("note", "").strip()
        if unit.n_warnings and not note:
            messages.error(request, f"数据有 {unit.n_warnings} 个警告：请在“提交说明”中说明情况后再提交")
            return redirect("unit", unit_id=unit.pk)
        unit.status, unit.submit_note = Status.SUBMITTED, note[:2000]
        unit.save(update_fields=["status", "submit_note", "updated_at"])
    if not unit.preview_ready:
        jobs.enqueue("render", round=unit.round, unit=unit, user=request.user, revision=unit.revision)
    log(request, "提交", f"第 {unit.revision} 版" + (f"；说明：{note}" if note else ""), unit=unit)
    messages.success(request, "已提交，等待财政局审核")
    return redirect("unit", unit_id=unit.pk)


# -- review ------------------------------------------------------------------------


@unit_scoped
def review(request, unit: Unit):
    if not is_bureau(request.user):
        raise Http404
    comments = placed_comments(unit)
    problems = annotate(unit.problems, comments)
    return render(request, "web/review.html", {
        "unit": unit, "round": unit.round, "rendered": unit.rendered if unit.preview_ready else None,
        "warnings": [p for p in problems if p["severity"] != "错误"],
        "errors": [p for p in problems if p["severity"] == "错误"],
        "comments": comments, "targets": comment_targets(unit, request.GET.get("field", "")[:200]) if unit.data_yaml else [],
        "picked": request.GET.get("field", "")[:200],
        "events": unit.events.all()[:50],
        "job": unit.jobs.filter(kind="render", state__in=[Job.State.QUEUED, Job.State.RUNNING]).first(),
        "decidable": unit.status == Status.SUBMITTED})


@unit_scoped
@require_POST
def review_decide(request, unit: Unit, decision: str):
    if not is_bureau(request.user) or decision not in ("return", "approve"):
        raise Http404
    text = request.POST.get("comment", "").strip()[:4000]
    fieldpath = request.POST.get("field", "").strip()[:200]
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if unit.status != Status.SUBMITTED:
            messages.error(request, f"当前状态为“{unit.get_status_display()}”，只有已提交的数据可以审核")
            return redirect("review", unit_id=unit.pk)
        if decision == "return" and not text and not unit.comments.filter(revision=unit.revision).exists():
            messages.error(request, "退回时请填写审核意见（或先对数据添加批注），告诉单位要改什么")
            return redirect("review", unit_id=unit.pk)
        if text:
            Comment.objects.create(unit=unit, author=request.user, field=fieldpath, text=text,
                                   revision=unit.revision)
        unit.status = Status.RETURNED if decision == "return" else Status.APPROVED
        unit.save(update_fields=["status", "updated_at"])
    word = "退回" if decision == "return" else "审核通过"
    log(request, word, (f"[{fieldpath}] " if fieldpath else "") + text, unit=unit)
    messages.success(request, f"已{word}“{unit.name}”")
    return redirect("round", round_id=unit.round_id)
