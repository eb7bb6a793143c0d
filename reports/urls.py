from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("org/<int:org_pk>/", views.org_reports, name="org"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/<str:kind>/", views.download, name="download"),
]
