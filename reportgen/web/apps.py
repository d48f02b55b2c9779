from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The workbench app (绩效自评工作台)."""

    name = "reportgen.web"
    label = "workbench"
    verbose_name = "绩效自评工作台"
    default_auto_field = "django.db.models.BigAutoField"
