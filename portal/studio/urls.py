"""The studio's pages, under /studio/."""

from django.urls import path  # noqa: F401  (the pages are added here)

app_name = "studio"

urlpatterns: list = []
