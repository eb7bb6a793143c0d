"""URLs of the figures of a subtree, mounted at /accountability/figures/."""

from django.urls import path

from . import figure_views

app_name = "figures"
urlpatterns = [
    path("org/<int:org_pk>/", figure_views.overview, name="overview"),
    path("org/<int:org_pk>/records/", figure_views.records, name="records"),
]
