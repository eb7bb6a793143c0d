"""Pages of annual written reports (document 4)."""

from django.urls import path

from . import views

app_name = "written_reports"
urlpatterns = [
    path("organisation/<int:org_pk>/", views.org_reports, name="list"),
    path("received/<int:org_pk>/", views.received, name="received"),
    path("<int:pk>/", views.report_page, name="report"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/plenary-file/", views.plenary_file, name="plenary_file"),
    path("<int:pk>/<str:step>/", views.step, name="step"),
]
