from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("mine/", views.my_record, name="mine"),
    path("mine/privacy/", views.my_privacy, name="mine-privacy"),
    path("conversions/", views.conversions_due, name="conversions"),
    path("arrears/", views.dues_arrears, name="arrears"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:pk>/<str:decision>/", views.transfer_decide, name="transfer-decide"),
    path("new/<int:branch_pk>/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/id-number/", views.reveal_id_number, name="reveal-id"),
    path("<int:pk>/flags/", views.member_flag, name="flag"),
    path("<int:pk>/leave/", views.member_leave, name="leave"),
    path("<int:pk>/conversion/", views.member_conversion, name="conversion"),
    path("<int:pk>/handling/", views.member_handling, name="handling"),
    path("<int:pk>/dues/", views.member_dues, name="dues"),
    path("<int:pk>/transfer/", views.transfer_request, name="transfer-request"),
]
