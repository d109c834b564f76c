"""The site's pages plus a stand-in for the replay view (``studio:rules_replay``, built beside the studio),
so the editor's test sees the button it offers once that view exists."""

from django.http import HttpResponse
from django.urls import include, path

from portal import urls as site
from portal.studio import urls as studio


def replay(request, name):
    return HttpResponse(f"<p>replayed {name}: {len(request.POST['text'])} characters</p>")


studio_with_replay = ([*studio.urlpatterns, path("rules/<slug:name>/replay/", replay, name="rules_replay")], "studio")
urlpatterns = [
    *[p for p in site.urlpatterns if getattr(p, "namespace", None) != "studio"],
    path("studio/", include(studio_with_replay)),
]
