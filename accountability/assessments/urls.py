"""Pages of assessments (document 4)."""

from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("org/<int:org_pk>/", views.schemes, name="schemes"),
    path("org/<int:org_pk>/cadres/", views.cadres, name="cadres"),
    path("schemes/<int:pk>/", views.scheme_page, name="scheme"),
    path("schemes/<int:pk>/<str:step>/", views.scheme_step, name="scheme_step"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("scorecards/<int:pk>/", views.scorecard_page, name="scorecard"),
    path("scorecards/<int:pk>/<str:step>/", views.scorecard_step, name="scorecard_step"),
    path("scores/<int:pk>/evidence/", views.evidence, name="evidence"),
]
