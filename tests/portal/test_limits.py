"""Request limits (trust probe): an oversized body refused before it is read, deep JSON a 400, junk lengths a 400,
and personal pages never cached."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_oversized_upload_is_refused_before_it_is_read(admin_client, settings):
    settings.LOTFLOW_MAX_REQUEST_BYTES = 1024
    # The declared length alone refuses it: the test client would send 200 MB, the server reads none of it.
    answer = admin_client.post(
        "/crm/leads/import/", data=b"x", content_type="text/csv", CONTENT_LENGTH=str(200 * 2**20)
    )
    assert answer.status_code == 413 and "nothing was read" in answer.content.decode()
    api = admin_client.post("/api/v1/leads", data=b"{}", content_type="application/json", CONTENT_LENGTH="999999")
    assert api.status_code == 413 and "detail" in api.json()


def test_a_content_length_that_is_not_a_number_is_a_400(client):
    assert client.post("/login/", data=b"x", content_type="text/plain", CONTENT_LENGTH="12abc").status_code == 400


def test_json_nested_fifty_thousand_deep_is_a_400_not_a_500(admin_client):
    deep = "[" * 50_000 + "]" * 50_000
    answer = admin_client.post("/api/v1/leads", data=deep, content_type="application/json")
    assert answer.status_code == 400 and "nested too deeply" in answer.json()["detail"]


def test_pages_of_a_signed_in_person_are_not_stored(admin_client):
    answer = admin_client.get("/")
    assert "no-store" in answer["Cache-Control"]
    assert "no-store" not in Client().get("/crm/leads/new/").get("Cache-Control", "")  # public, nothing personal
