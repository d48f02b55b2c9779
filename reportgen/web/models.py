"""The workbench's tables.

A *round* (评价轮次) is one year's evaluation under one frozen template pack;
each *unit* (预算单位) of the round has one account and one current data file;
*comments* (审核意见) carry the reviewer's returns; *events* (操作日志) log
every action (who, when, what); *jobs* (后台任务) hold work done outside the
request (rendering, PDF, zips), so it survives a restart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "财政局管理员"
    REVIEWER = "reviewer", "财政局审核人员"
    UNIT = "unit", "预算单位"


class Profile(models.Model):
    """The role of an account (账号角色)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    must_change_password = models.BooleanField("首次登录须改密码", default=False)

    def __str__(self) -> str:
        return f"{self.user.username}（{self.get_role_display()}）"


class Round(models.Model):
    """One year's evaluation (评价轮次): 年度 + a template pack frozen by its
    SHA-256 content hash in ``<data>/packs/<hash>/``."""

    year = models.PositiveIntegerField("年度")
    title = models.CharField("名称", max_length=200)
    pack_name = models.CharField("模板包", max_length=200)
    pack_hash = models.CharField("模板包内容哈希（SHA-256）", max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = verbose_name_plural = "评价轮次"

    def __str__(self) -> str:
        return self.title


class Status(models.TextChoices):
    EMPTY = "empty", "未填报"
    ERRORS = "errors", "有错误"
    READY = "ready", "已填报未提交"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"


class Unit(models.Model):
    """A budget unit (预算单位) in a round, with its account and its current
    data file (单位数据文件, YAML text) and the problems found in it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="units")
    name = models.CharField("单位名称", max_length=200)
    contact = models.CharField("联系人", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=100, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="unit")
    initial_password = models.CharField("初始密码（单位修改密码后清空）", max_length=64, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.EMPTY,
                              db_index=True)
    revision = models.PositiveIntegerField("数据版本", default=0)
    data_yaml = models.TextField("单位数据", blank=True)
    source_name = models.CharField("上传文件", max_length=255, blank=True)
    problems = models.JSONField("问题", default=list, blank=True)
    n_errors = models.PositiveIntegerField("错误数", default=0)
    n_warnings = models.PositiveIntegerField("警告数", default=0)
    overrides = models.JSONField("人工评分", default=list, blank=True)
    scores = models.JSONField("得分", default=list, blank=True)
    rendered_revision = models.PositiveIntegerField("已生成报表的数据版本", default=0)
    rendered = models.JSONField("已生成的文件", default=dict, blank=True)
    submit_note = models.TextField("提交说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="unit_name_in_round")]
        verbose_name = verbose_name_plural = "预算单位"

    def __str__(self) -> str:
        return self.name

    @property
    def preview_ready(self) -> bool:
        return bool(self.revision) and self.rendered_revision == self.revision and bool(self.rendered)


class Comment(models.Model):
    """A reviewer's comment (审核意见), optionally at one field (字段)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    field = models.CharField("涉及字段", max_length=200, blank=True)
    text = models.TextField("意见")
    revision = models.PositiveIntegerField("针对的数据版本", default=0)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class Event(models.Model):
    """One logged action (操作日志): who, when, what."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    username = models.CharField("账号", max_length=150, blank=True)
    round = models.ForeignKey(Round, null=True, on_delete=models.CASCADE, related_name="events")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=100)
    detail = models.TextField("内容", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = "操作日志"


class Job(models.Model):
    """Work done outside the request (后台任务): queued → running → done/failed.
    A job still ``running`` when the server stopped is queued again at start."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=32)
    round = models.ForeignKey(Round, null=True, on_delete=models.CASCADE, related_name="jobs")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="jobs")
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.QUEUED,
                             db_index=True)
    progress = models.PositiveIntegerField("进度（%）", default=0)
    message = models.TextField("说明", blank=True)
    result = models.CharField("结果文件", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = "后台任务"

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)
