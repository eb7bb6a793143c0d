from django.contrib import admin

from branches.admin import ReadOnlyAdmin

from .models import ReconcileRun, Rollup


@admin.register(ReconcileRun)
class ReconcileRunAdmin(ReadOnlyAdmin):
    list_display = ("province", "year", "finished_at", "rows", "fixed")
    list_filter = ("year",)
    date_hierarchy = "finished_at"


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
    list_display = ("organization", "year", "month", "computed_at")
    list_filter = ("year", "month")
    raw_id_fields = ("organization",)
