"""The unit's figures in a web form (在线填报/修改数据) and the reviewer's
comments at figures (批注).

The form is generated from the round's frozen pack (:mod:`formspec`),
pre-filled from the unit's latest data: a file still being checked, else
its current data, else the same unit's data of the previous round (年度 set
to this round's), else empty with 单位名称 and 年度.  Saving writes a unit
file and queues the same ``check`` job as an upload (a new 数据版本, checked
in the background, the status updated); the page then shows every problem
at its input, beside the values as entered.  Only the unit's own account
saves; bureau accounts read the form, and a reviewer can open 批注 beside
any figure to comment on it.  A comment (审核意见) names a field path; the
unit sees it at that input here, on its page and beside the problem of
that field.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from reportgen.errors import ReportgenError
from reportgen.web import engine, formspec, jobs
from reportgen.web.access import is_bureau, unit_scoped
from reportgen.web.models import Comment, Job, Status, Unit
from reportgen.web.comments import placed_comments
from reportgen.web.views import _previous, log, refuse_change


def _pending_check(unit: Unit) -> Job | None:
    return unit.jobs.filter(kind="check", state__in=[Job.State.QUEUED, Job.State.RUNNING]).order_by("-id").first()


def _source(unit: Unit, pending: Job | None) -> tuple[dict | None, str]:
    """The raw tree the form starts from and a note on where it came from
    (``pending``: the check still running, whose file is the latest data);
    None (and why) when the unit's current data do not parse as YAML."""
    if pending is not None and (pending.params.get("form") or pending.params.get("name", "").lower().endswith(
            (".yaml", ".yml"))):
        path = engine.data_dir() / pending.params["path"]
        if path.is_file():
            raw = engine.raw_of(path.read_bytes().decode("utf-8-sig", "replace"))
            if raw is not None:
                return raw, "刚保存的数据（正在核对）"
    if unit.data_yaml:
        raw = engine.raw_of(unit.data_yaml)
        if raw is None:     # a YAML upload that does not parse: shown nowhere, so not overwritten either
            return None, (f"第 {unit.revision} 版数据（{unit.source_name}）不是有效的单位数据文件，"
                          "无法在表中显示；请按单位页列出的问题修改文件后重新上传")
        return raw, f"第 {unit.revision} 版数据（{unit.source_name}）"
    previous = _previous(unit)
    if previous is not None:
        raw = engine.raw_of(previous.data_yaml) or {}
        raw["year"] = str(unit.round.year)
        return raw, f"本单位 {previous.round.year} 年度的数据（年度已改为 {unit.round.year}，请逐项更新为本年度数字）"
    return {"money_unit": "万元", "year": str(unit.round.year), "unit": {"name": unit.name}}, "空白表（已填单位名称和年度）"


@unit_scoped
def figures_page(request, unit: Unit):
    pack = engine.round_pack(unit.round.pack_hash)
    # the check first, then the unit: a check that ends in between leaves its result in the unit
    pending = _pending_check(unit)
    unit.refresh_from_db()
    raw, source = _source(unit, pending)
    form = formspec.build(pack, raw)
    if pending is None:
        for p in unit.problems:
            note = {"kind": p["severity"], "text": p["message"]}
            if not (p["field"] and form.attach(note, p["field"])):
                form.unplaced.append({**p, "kind": p["severity"]})
    general, at_figures = [], []
    for x in placed_comments(unit):
        note = {"kind": "批注", "text": x["c"].text, "when": x["c"].created_at, "revision": x["c"].revision}
        if x["c"].field and form.attach(note, x["c"].field):
            at_figures.append({**x, "anchor": form.anchor(x["c"].field),
                               "place": form.place(x["c"].field).removeprefix(formspec.SOURCE + " › ")})
        else:
            general.append(x)
    bureau = is_bureau(request.user)
    editable = (not bureau and unit.status not in (Status.SUBMITTED, Status.APPROVED) and pending is None
                and raw is not None)
    return render(request, "web/figures.html", {
        "unit": unit, "round": unit.round, "form": form, "source": source, "bureau": bureau,
        "editable": editable, "general_comments": general, "figure_comments": at_figures, "check_job": pending,
        "errors": [{**p, "anchor": form.anchor(p["field"]) if p["field"] else "",
                    "place": form.place(p["field"]).removeprefix(formspec.SOURCE + " › ") if p["field"] else ""}
                   for p in unit.problems if p["severity"] == "错误"] if pending is None else [],
        "lost": formspec.lost_on_save(pack, raw),
        "can_comment": bureau and unit.status == Status.SUBMITTED, "unreadable": raw is None,
    })


@unit_scoped
@require_POST
def figures_save(request, unit: Unit):
    if (refused := refuse_change(request, unit, "figures")) is not None:
        return refused
    pack = engine.round_pack(unit.round.pack_hash)
    pending = _pending_check(unit)
    unit.refresh_from_db()
    base, source = _source(unit, pending)
    if base is None:
        messages.error(request, source)
        return redirect("figures", unit_id=unit.pk)
    try:
        raw = formspec.raw_from_post(pack, request.POST, base)
        text = formspec.unit_text(pack, raw)
    except ReportgenError as exc:
        messages.error(request, f"未能保存：{exc}")
        return redirect("figures", unit_id=unit.pk)
    path = jobs.store_upload(unit, "-form.yaml", [text.encode("utf-8")])
    with transaction.atomic():
        jobs.enqueue("check", round=unit.round, unit=unit, user=request.user,
                     path=path, name=formspec.SOURCE, form=True)
    changed = formspec.changes(base, raw)
    form = formspec.build(pack, raw)
    listed = "；".join(f"{form.place(p).removeprefix(formspec.SOURCE + ' › ')}：{a or '（空）'} → {b or '（空）'}"
                      for p, a, b in changed[:10])
    log(request, "在线填报", f"保存网页表单，改动 {len(changed)} 项" + (f"：{listed}" if listed else "")
        + ("……" if len(changed) > 10 else ""), unit=unit)
    messages.info(request, "已保存，正在核对；核对完成后本页自动刷新，问题显示在对应的填写项旁")
    return redirect("figures", unit_id=unit.pk)


@unit_scoped
@require_POST
def review_comment(request, unit: Unit):
    """A reviewer's comment at a figure (or general), without deciding yet."""
    if not is_bureau(request.user):
        raise PermissionDenied("只有财政局账号可以批注")
    text = request.POST.get("comment", "").strip()[:4000]
    fieldpath = request.POST.get("field", "").strip()[:200]
    if unit.status != Status.SUBMITTED:
        messages.error(request, f"当前状态为“{unit.get_status_display()}”，只能对已提交的数据批注")
    elif not text:
        messages.error(request, "请填写批注内容")
    else:
        Comment.objects.create(unit=unit, author=request.user, field=fieldpath, text=text, revision=unit.revision)
        where = ""
        if fieldpath:
            form = formspec.build(engine.round_pack(unit.round.pack_hash), engine.raw_of(unit.data_yaml))
            where = form.place(fieldpath).removeprefix(formspec.SOURCE + " › ")
            where = where if where != formspec.SOURCE else fieldpath
        log(request, "批注", (f"[{where}] " if where else "") + text, unit=unit)
        messages.success(request, f"已添加批注{f'（{where}）' if where else ''}；退回后单位在对应数据旁看到")
    return redirect(reverse("review", args=[unit.pk]) + "#decide")
