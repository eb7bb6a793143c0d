"""Pages of rectification tracking (document 4)."""

from django.urls import path

from . import views

app_name = "accountability"
urlpatterns = [
    path("rectifications/issued/<int:org_pk>/", views.issued, name="issued"),
    path("rectifications/received/<int:org_pk>/", views.received, name="received"),
    path("rectifications/<int:pk>/", views.order_page, name="order"),
    path("rectifications/<int:pk>/<str:step>/", views.order_step, name="order_step"),
    path("rectifications/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("weak-units/<int:org_pk>/", views.weak_units, name="weak_units"),
    path("weak-units/unit/<int:pk>/", views.weak_unit_page, name="weak_unit"),
]
