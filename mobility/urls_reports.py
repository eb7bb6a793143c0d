"""Members' reports, lost contact and the inflow side's opinion (helper-m3)."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("mine/reports/", report_views.my_reports, name="my_reports"),
    path("episodes/<int:pk>/report/", report_views.report_create, name="report_create"),
    path("episodes/<int:pk>/opinion/", report_views.opinion, name="opinion"),
    path("branch/<int:branch_pk>/reports/", report_views.branch_reports, name="branch_reports"),
    path("branch/<int:branch_pk>/lost-contact/", report_views.lost_contact, name="lost_contact"),
]
