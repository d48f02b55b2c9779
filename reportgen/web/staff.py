"""Bureau reviewers (财政局审核人员) managed by the bureau administrator in
the workbench: add a reviewer (name and account), give a new password
(shown once), disable and enable an account.  Every action is logged
(:class:`models.Event`, shown at the foot of the page).

Reviewers are not assigned to rounds: a reviewer sees and reviews every
round of the bureau (the page says so).  Only reviewer accounts are managed
here; a unit's account belongs to its round (reset on the round's board),
administrators are managed in 系统管理 (/admin/).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reportgen.web.access import admin_required
from reportgen.web.accounts import new_password
from reportgen.web.models import Event, Profile, Role

#: the log entries of this page (操作日志)
ACTIONS = ("新增审核人员", "重置审核人员密码", "停用审核人员账号", "启用审核人员账号")
_SHOWN_ONCE = "reportgen-staff-password"


def _log(request, action: str, detail: str) -> None:
    Event.objects.create(user=request.user, username=request.user.get_username(), action=action, detail=detail)


def _reviewer(user_id: int):
    """The reviewer account ``user_id``; 404 for any other account (a unit's,
    an administrator's), so this page cannot change them."""
    user = (get_user_model().objects.select_related("profile")
            .filter(pk=user_id, profile__role=Role.REVIEWER, is_superuser=False).first())
    if user is None:
        raise Http404("没有这个审核人员")
    return user


def _password_given(request, user, password: str, action: str, done: str):
    """Log ``action``, keep the new password in the (server-side) session
    until the staff page shows it once, say ``done``, go back to the page."""
    _log(request, action, f"{user.first_name}（{user.username}）")
    request.session[_SHOWN_ONCE] = {"name": user.first_name, "username": user.username, "password": password}
    messages.success(request, done)
    return redirect("staff")


@admin_required
def staff(request):
    """审核人员: the list of reviewers, the form to add one, the log."""
    User = get_user_model()
    reviewers = (User.objects.filter(profile__role=Role.REVIEWER, is_superuser=False)
                 .select_related("profile").order_by("-is_active", "username"))
    return render(request, "web/staff.html", {
        "reviewers": reviewers,
        "shown_once": request.session.pop(_SHOWN_ONCE, None),
        "events": Event.objects.filter(action__in=ACTIONS)[:100],
        "form": {k: request.GET.get(k, "") for k in ("name", "username")},
    })


def _username_problem(username: str) -> str:
    if not username:
        return "请填写登录账号"
    if len(username) > 150:
        return f"登录账号不能超过 150 个字符（现为 {len(username)} 个）"
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return f"登录账号“{username}”只能由字母、数字和 @ . + - _ 组成，不能有空格"
    if get_user_model().objects.filter(username__iexact=username).exists():
        return f"登录账号“{username}”已被使用，请换一个"
    return ""


@admin_required
@require_POST
def staff_add(request):
    """Add a reviewer: 姓名 (``name``, ≤ 150 characters) and 登录账号
    (``username``: letters, digits, @.+-_; unique, case-insensitive).  The
    account gets a random password, shown once, to be changed at first login."""
    name = request.POST.get("name", "").strip()
    username = request.POST.get("username", "").strip()
    problems = []
    if not name:
        problems.append("请填写审核人员姓名")
    elif len(name) > 150:
        problems.append(f"姓名不能超过 150 个字（现为 {len(name)} 个）")
    problem = _username_problem(username)
    if problem:
        problems.append(problem)
    if problems:
        for p in problems:
            messages.error(request, p)
        from urllib.parse import urlencode

        return redirect("/staff/?" + urlencode({"name": name[:150], "username": username[:150]}))
    password = new_password()
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=username, password=password, first_name=name)
            Profile.objects.create(user=user, role=Role.REVIEWER, must_change_password=True)
    except IntegrityError:          # the same account added at the same moment by another request
        messages.error(request, f"登录账号“{username}”已被使用，请换一个")
        return redirect("staff")
    return _password_given(request, user, password, "新增审核人员", f"已新增审核人员“{name}”")


@admin_required
@require_POST
def staff_password(request, user_id: int):
    """Give a reviewer a new random password (shown once); the reviewer's
    open sessions end and the new password must be changed at first login."""
    user = _reviewer(user_id)
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    Profile.objects.filter(user=user).update(must_change_password=True)
    return _password_given(request, user, password, "重置审核人员密码", f"已为“{user.first_name}”生成新密码")


@admin_required
@require_POST
def staff_active(request, user_id: int):
    """Disable (``active=0``) or enable (``active=1``) a reviewer's account.
    A disabled account cannot sign in, and its open sessions end at their
    next request (Django's ModelBackend does not authenticate an inactive user)."""
    user = _reviewer(user_id)
    active = request.POST.get("active") == "1"
    if user.is_active == active:
        messages.info(request, f"“{user.first_name}”的账号已是{'启用' if active else '停用'}状态")
        return redirect("staff")
    user.is_active = active
    user.save(update_fields=["is_active"])
    word = "启用" if active else "停用"
    _log(request, f"{word}审核人员账号", f"{user.first_name}（{user.username}）")
    messages.success(request, f"已{word}“{user.first_name}”的账号")
    return redirect("staff")
