"""Template pages (admins edit, preview on a real customer, a broken placeholder refused by name) and
the customer page's messages and consent, scoped like the customer."""

from django.utils import translation

from portal.care.models import ConsentChange, MessageTemplate
from portal.care.outbox import queue_message

EDIT = "/care/templates/test_drive_confirmation/zh-hans/"


def test_an_admin_edits_a_template(as_user, crm_people):
    client = as_user(crm_people["admin"])
    assert client.get("/care/templates/").status_code == 200
    answer = client.post(
        EDIT, {"subject": "试驾确认", "body": "{{ customer_name }}您好，{{ date }} {{ time }}见。", "save": "1"}
    )
    assert answer.status_code == 302
    template = MessageTemplate.objects.get(key="test_drive_confirmation", language="zh-hans")
    assert template.body.endswith("见。") and template.updated_by == crm_people["admin"]


def test_an_unknown_placeholder_is_refused_by_name(as_user, crm_people):
    client = as_user(crm_people["admin"])
    answer = client.post(EDIT, {"subject": "", "body": "您好 {{ id_number }}", "save": "1"})
    assert answer.status_code == 200
    assert "Unknown placeholder “id_number”" in answer.content.decode()
    assert "{{ id_number }}" not in MessageTemplate.objects.get(key="test_drive_confirmation", language="zh-hans").body


def test_a_broken_placeholder_is_refused_in_chinese(as_user, crm_people):
    crm_people["admin"].staff.language = "zh-hans"
    crm_people["admin"].staff.save()
    client = as_user(crm_people["admin"])
    answer = client.post(EDIT, {"subject": "", "body": "您好 {{ customer_name }", "save": "1"})
    with translation.override("zh-hans"):
        assert "占位符" in answer.content.decode()


def test_a_preview_uses_a_real_customer_and_saves_nothing(as_user, crm_people, book):
    client = as_user(crm_people["admin"])
    before = MessageTemplate.objects.get(key="test_drive_confirmation", language="zh-hans").body
    answer = client.post(
        EDIT,
        {
            "subject": "s",
            "body": "{{ customer_name }}，{{ store_name }}",
            "preview_customer": book["mine"].pk,
            "preview": "1",
        },
    )
    assert "李伟，上海浦东店" in answer.content.decode()
    assert MessageTemplate.objects.get(key="test_drive_confirmation", language="zh-hans").body == before


def test_salespeople_do_not_edit_templates(as_user, crm_people):
    client = as_user(crm_people["sales"])
    assert client.get("/care/templates/").status_code == 403
    assert client.post(EDIT, {"subject": "", "body": "x", "save": "1"}).status_code == 403


def test_the_customer_page_shows_messages_and_records_consent(as_user, crm_people, book):
    queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="page:1")
    client = as_user(crm_people["sales"])
    page = client.get(f"/crm/customers/{book['mine'].pk}/").content.decode()
    assert "Messages and consent" in page and "Birthday greeting" in page and "Queued" in page
    answer = client.post(
        f"/care/customers/{book['mine'].pk}/consent/", {"channel": "sms", "allowed": "0", "note": "电话里说不要短信"}
    )
    assert answer.status_code == 302
    change = ConsentChange.objects.get()
    assert (change.allowed, change.via, change.by) == (False, "staff_form", crm_people["sales"])
    assert "opted out" in client.get(f"/crm/customers/{book['mine'].pk}/").content.decode()


def test_consent_of_a_customer_out_of_scope_is_not_found(as_user, crm_people, book):
    client = as_user(crm_people["sales"])
    answer = client.post(f"/care/customers/{book['other_store'].pk}/consent/", {"channel": "sms", "allowed": "0"})
    assert answer.status_code == 404
    assert ConsentChange.objects.count() == 0


def test_the_message_log_is_scoped_like_the_customer(crm_people, book):
    from portal.care.selectors import messages_visible_to

    mine = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="scope:1")
    theirs = queue_message(book["other_store"], "birthday_greeting", {}, dedupe_key="scope:2")
    assert list(messages_visible_to(crm_people["sales"])) == [mine]
    assert list(messages_visible_to(crm_people["other_sales"])) == [theirs]
    assert set(messages_visible_to(crm_people["hq"])) == {mine, theirs}
