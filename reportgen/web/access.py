"""Roles and isolation (权限): who may open what.

A bureau administrator (财政局管理员) manages rounds, units and accounts; a
bureau reviewer (财政局审核人员) reads every unit and reviews; a unit account
(预算单位) sees and changes only its own unit.  Every unit-scoped view gets
its unit through :func:`unit_for`, which answers 404 to any other account, so
another unit's data is not even confirmed to exist.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from reportgen.web.models import Role, Unit


def role_of(user) -> str:
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile else ""


def is_bureau(user) -> bool:
    return role_of(user) in (Role.ADMIN, Role.REVIEWER)


def bureau_required(view):
    """Only bureau accounts (administrator or reviewer); a reviewer still on
    the initial password given by the administrator changes it first."""
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_bureau(request.user):
            raise PermissionDenied("只有财政局账号可以打开此页")
        profile = getattr(request.user, "profile", None)
        if profile and profile.must_change_password and profile.role == Role.REVIEWER:
            from django.contrib import messages
            from django.shortcuts import redirect

            messages.info(request, "首次登录，请先修改初始密码")
            return redirect("password")
        return view(request, *args, **kwargs)
    return wrapped


def admin_required(view):
    """Only the bureau administrator."""
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) != Role.ADMIN:
            raise PermissionDenied("只有财政局管理员可以进行此操作")
        return view(request, *args, **kwargs)
    return wrapped


def unit_for(request, unit_id: int) -> Unit:
    """The unit ``unit_id`` if the signed-in account may see it: bureau
    accounts every unit, a unit account only its own; otherwise 404."""
    unit = get_object_or_404(Unit.objects.select_related("round", "user"), pk=unit_id)
    if is_bureau(request.user):
        return unit
    if role_of(request.user) == Role.UNIT and unit.user_id == request.user.pk:
        return unit
    raise Http404("没有这个单位")


def unit_scoped(view):
    """A view of one unit: ``view(request, unit, …)`` after :func:`unit_for`."""
    @login_required
    @wraps(view)
    def wrapped(request, unit_id: int, *args, **kwargs):
        return view(request, unit_for(request, unit_id), *args, **kwargs)
    wrapped.unit_scoped = True
    return wrapped
