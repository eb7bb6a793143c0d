"""Included by config/urls.py as
`path("members/import/", include("members.import_urls"))`."""

from django.urls import path

from . import import_views

app_name = "member-import"

urlpatterns = [
    path("<int:branch_pk>/", import_views.upload, name="upload"),
    path("<int:branch_pk>/export.xlsx", import_views.export, name="export"),
    path("jobs/<int:pk>/", import_views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", import_views.job_progress, name="progress"),
    path("jobs/<int:pk>/confirm/", import_views.job_confirm, name="confirm"),
]
