"""URLs of the workbench.  Every URL with ``unit_id`` is unit-scoped
(:func:`access.unit_for`); tests/web/test_isolation.py walks them all."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from reportgen.web import figures as fig, staff, views as v

admin.site.site_header = admin.site.site_title = "reportgen 工作台管理"

urlpatterns = [
    path("", v.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", v.password, name="password"),
    path("rounds/", v.rounds, name="rounds"),
    path("rounds/new/", v.round_create, name="round_create"),
    path("rounds/<int:round_id>/", v.round_board, name="round"),
    path("rounds/<int:round_id>/units/import/", v.units_import, name="units_import"),
    path("rounds/<int:round_id>/units/add/", v.unit_add, name="unit_add"),
    path("rounds/<int:round_id>/passwords.xlsx", v.passwords_export, name="passwords"),
    path("rounds/<int:round_id>/log/", v.round_log, name="round_log"),
    path("rounds/<int:round_id>/jobs/<str:kind>/", v.round_job, name="round_job"),
    path("jobs/<int:job_id>/", v.job_status, name="job_status"),
    path("jobs/<int:job_id>/download/", v.job_download, name="job_download"),
    path("staff/", staff.staff, name="staff"),
    path("staff/new/", staff.staff_add, name="staff_add"),
    path("staff/<int:user_id>/password/", staff.staff_password, name="staff_password"),
    path("staff/<int:user_id>/active/", staff.staff_active, name="staff_active"),
    path("audit/", v.audit_page, name="audit"),
    path("audit/<int:job_id>/", v.audit_result, name="audit_result"),
    path("units/<int:unit_id>/", v.unit_page, name="unit"),
    path("units/<int:unit_id>/workbook.xlsx", v.unit_workbook, name="unit_workbook"),
    path("units/<int:unit_id>/data.yaml", v.unit_yaml, name="unit_yaml"),
    path("units/<int:unit_id>/upload/", v.unit_upload, name="unit_upload"),
    path("units/<int:unit_id>/render/", v.unit_render, name="unit_render"),
    path("units/<int:unit_id>/files/<path:name>", v.unit_file, name="unit_file"),
    path("units/<int:unit_id>/submit/", v.unit_submit, name="unit_submit"),
    path("units/<int:unit_id>/review/", v.review, name="review"),
    path("units/<int:unit_id>/figures/", fig.figures_page, name="figures"),
    path("units/<int:unit_id>/figures/save/", fig.figures_save, name="figures_save"),
    path("units/<int:unit_id>/review/comment/", fig.review_comment, name="review_comment"),
    path("units/<int:unit_id>/review/<str:decision>/", v.review_decide, name="review_decide"),
    path("units/<int:unit_id>/password/", v.unit_reset_password, name="unit_reset_password"),
    path("admin/", admin.site.urls),
]
