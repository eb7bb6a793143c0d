from django.urls import path

from . import views

app_name = "education"

urlpatterns = [
    path("mine/", views.my_hours, name="mine"),
    path("branch/<int:branch_pk>/", views.activity_list, name="activities"),
    path("branch/<int:branch_pk>/new/", views.activity_create, name="create"),
    path("branch/<int:branch_pk>/compliance/", views.compliance, name="compliance"),
    path("activities/<int:pk>/attendance/", views.attendance, name="attendance"),
]
