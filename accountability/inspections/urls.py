"""Pages of inspections and spot-checks (document 4)."""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("spot-checks/org/<int:org_pk>/", views.spot_checks, name="spot_checks"),
    path("spot-checks/mine/", views.mine, name="mine"),
    path("spot-checks/<int:pk>/", views.spot_check, name="spot_check"),
    path("spot-checks/<int:pk>/verify/", views.spot_check_verify, name="spot_check_verify"),
    path("spot-checks/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("spot-checks/<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("spot-checks/<int:pk>/<str:step>/", views.spot_check_step, name="spot_check_step"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("findings/<int:pk>/order/", views.finding_order, name="finding_order"),
    path("org/<int:org_pk>/", views.inspections, name="inspections"),
    path("<int:pk>/", views.inspection, name="inspection"),
]
