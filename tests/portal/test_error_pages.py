"""With DEBUG off, a missing page, a refusal and a crash show the portal's own pages, never Django's debug page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import include, path


def _refuses(request):
    raise PermissionDenied("Store managers and hq import leads.")


def _crashes(request):
    raise RuntimeError("secret detail of the crash")


# The portal's own URLs, plus two views that fail the two ways a view can.
urlpatterns = [
    path("refuses/", _refuses),
    path("crashes/", _crashes),
    path("", include("portal.urls")),
]


@pytest.fixture
def signed_in(client, people, settings):
    settings.DEBUG = False
    client.force_login(people["sales"])
    client.raise_request_exception = False
    return client


def test_a_missing_page_is_the_portals_404_without_the_url_map(signed_in):
    answer = signed_in.get("/crm/no-such-page/")
    assert answer.status_code == 404
    assert next(t.name for t in answer.templates) == "404.html"
    page = answer.content.decode()
    assert "Not found" in page and 'href="/"' in page and "Back to your inbox" in page
    assert "URLconf" not in page and "api/v1/" not in page and "admin/" not in page


def test_a_missing_page_for_a_visitor_is_the_same_page(client, settings, db):
    settings.DEBUG = False
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404 and "Not found" in answer.content.decode()
    assert "URLconf" not in answer.content.decode()


@pytest.mark.urls("tests.portal.test_error_pages")
def test_a_refusal_is_the_portals_403_with_its_reason(signed_in):
    answer = signed_in.get("/refuses/")
    assert answer.status_code == 403
    assert next(t.name for t in answer.templates) == "403.html"
    page = answer.content.decode()
    assert "Not allowed" in page and "Store managers and hq import leads." in page and "Back to your inbox" in page


@pytest.mark.urls("tests.portal.test_error_pages")
def test_a_crash_is_the_portals_500_without_the_traceback(signed_in):
    answer = signed_in.get("/crashes/")
    assert answer.status_code == 500
    page = answer.content.decode()
    assert "Something went wrong" in page and 'href="/"' in page
    assert "secret detail" not in page and "Traceback" not in page and "RuntimeError" not in page
    assert "pico.min.css" in page  # styled like the rest of the portal
