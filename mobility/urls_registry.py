"""The mobile-member information database and the year-end reports (helper-m4)."""

from django.urls import path

from . import registry_views

urlpatterns = [
    path("org/<int:org_pk>/database/", registry_views.database, name="database"),
    path(
        "org/<int:org_pk>/database/export.xlsx",
        registry_views.database_export,
        name="database-export",
    ),
    path("org/<int:org_pk>/year-report/", registry_views.report_page, name="year-report"),
    path(
        "org/<int:org_pk>/year-report/generate/",
        registry_views.report_generate,
        name="year-report-generate",
    ),
    path("org/<int:org_pk>/year-reports/", registry_views.reports_received, name="year-reports"),
    path("year-report/<int:pk>/status/", registry_views.report_status, name="year-report-status"),
    path(
        "year-report/<int:pk>/report.pdf",
        registry_views.report_file,
        {"kind": "pdf"},
        name="year-report-pdf",
    ),
    path(
        "year-report/<int:pk>/report.xlsx",
        registry_views.report_file,
        {"kind": "xlsx"},
        name="year-report-xlsx",
    ),
    path("year-report/<int:pk>/submit/", registry_views.report_submit, name="year-report-submit"),
    path(
        "year-report/<int:pk>/<str:decision>/",
        registry_views.report_decide,
        name="year-report-decide",
    ),
]
