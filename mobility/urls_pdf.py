from django.urls import path

from . import pdf_views

urlpatterns: list = [
    path(
        "certificates/<int:pk>/pdf/",
        pdf_views.certificate_pdf_download,
        name="certificate_pdf",
    ),
    path("mine/", pdf_views.my_mobility, name="mine"),
]
