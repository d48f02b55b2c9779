from django.contrib import admin

from reportgen.web.models import Event, Job, Profile, Round, Unit


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("title", "year", "pack_name", "pack_hash", "created_at")
    readonly_fields = ("pack_hash",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "round", "status", "n_errors", "n_warnings", "updated_at")
    list_filter = ("round", "status")
    search_fields = ("name",)
    exclude = ("initial_password",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "unit", "detail")
    list_filter = ("action",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Profile)
admin.site.register(Job)
