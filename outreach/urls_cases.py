"""Pages of outreach: service stations, reception of the public, cases."""

from django.urls import path

from . import views_cases as views

urlpatterns = [
    path("stations/org/<int:org_pk>/", views.stations, name="stations"),
    path("stations/<int:pk>/edit/", views.station_edit, name="station_edit"),
    path("receptions/org/<int:org_pk>/", views.receptions, name="receptions"),
    path("cases/org/<int:org_pk>/", views.cases, name="cases"),
    path("cases/org/<int:org_pk>/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/<str:step>/", views.case_step, name="case_step"),
]
