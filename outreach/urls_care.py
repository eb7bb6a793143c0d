"""Pages of outreach: care (households, pairings, volunteering, care for members)."""

from django.urls import path

from . import views_care as views

urlpatterns = [
    path("org/<int:org_pk>/pairings/", views.pairings_page, name="pairings"),
    path("households/<int:pk>/", views.household_page, name="household"),
    path("pairings/<int:pk>/", views.pairing_page, name="pairing"),
    path("org/<int:org_pk>/volunteering/", views.volunteering_page, name="volunteering"),
    path(
        "org/<int:org_pk>/volunteering/export.xlsx",
        views.volunteering_export,
        name="volunteering_export",
    ),
    path("volunteering/<int:pk>/delete/", views.volunteering_delete, name="volunteering_delete"),
    path("my/volunteering/", views.my_volunteering, name="my_volunteering"),
    path("org/<int:org_pk>/care/", views.care_page, name="care"),
]
