"""The studio's pages, under /studio/."""

from django.urls import path

app_name = "studio"

urlpatterns: list = []

# --- rule replay (issue 20, item 4) ---
from . import replay_views  # noqa: E402

urlpatterns += [path("rules/<slug:name>/replay/", replay_views.rules_replay, name="rules_replay")]
