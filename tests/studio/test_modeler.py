"""The modeler's server side: only admins, check without storing, deploy a new version, refuse an edit of
an old version with who/when/what changed, a double submit deploys once, and bad input is refused."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from engine import api
from engine.models import AuditEvent, Deployment
from tests.helpers import deploy

LEAD_TO_CASH = settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"


@pytest.fixture
def lead_to_cash(people):
    deploy(str(LEAD_TO_CASH), user=people["admin"])
    return Deployment.objects.get(process_id="lead_to_cash", version=1)


def _url(name: str, version: int = 1, process_id: str = "lead_to_cash") -> str:
    return reverse(f"studio:{name}", args=[process_id, version])


def _post(client, name: str, xml: str, *, version: int = 1, forms=None, comment: str = "", **extra):
    body = json.dumps({"xml": xml, "forms": forms or {}, "comment": comment})
    return client.post(_url(name, version), body, content_type="application/json", **extra)


def _with_new_task(xml: str) -> str:
    """lead_to_cash with a user task (and its form) in the sales lane, between the start and the routing."""
    task = (
        '<bpmn:userTask id="ConfirmPhone" name="Confirm the phone number">'
        "<bpmn:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="form" value="lead_to_cash_confirmphone.json" />'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_confirmed" sourceRef="ConfirmPhone" targetRef="RouteLead" />'
    )
    lane_ref = "<bpmn:flowNodeRef>LeadReceived</bpmn:flowNodeRef>"
    return (
        xml.replace(lane_ref, lane_ref + "<bpmn:flowNodeRef>ConfirmPhone</bpmn:flowNodeRef>", 1)
        .replace(
            'sourceRef="LeadReceived" targetRef="RouteLead"', 'sourceRef="LeadReceived" targetRef="ConfirmPhone"', 1
        )
        .replace("</bpmn:process>", task + "</bpmn:process>", 1)
    )


FORM = {
    "title": "Phone",
    "type": "object",
    "required": ["phone_ok"],
    "properties": {
        "phone_ok": {"type": "boolean", "title": "Number works"},
        "note": {"type": "string", "title": "Note", "maxLength": 200},
    },
}


@pytest.mark.parametrize("who", ["sales", "manager", "hq"])
def test_only_admins_see_the_modeler_and_may_post(client, people, lead_to_cash, who):
    client.force_login(people[who])
    assert client.get(_url("modeler")).status_code == 404
    assert _post(client, "modeler_check", lead_to_cash.bpmn_xml).status_code == 404
    assert _post(client, "modeler_deploy", lead_to_cash.bpmn_xml).status_code == 404
    assert client.get(reverse("studio:process_new")).status_code == 404
    assert client.post(reverse("studio:modeler_preview"), {"text": "**x**"}).status_code == 404
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 1


def test_the_page_carries_the_drawing_forms_services_and_roles(client, people, lead_to_cash):
    client.force_login(people["admin"])
    page = client.get(_url("modeler"))
    assert page.status_code == 200
    data = page.context["data"]
    assert data["xml"] == lead_to_cash.bpmn_xml and data["version"] == 1
    assert "l2c_quote.json" in data["forms"]
    services = {s["name"]: s for s in data["services"]}
    assert services["crm.store_name"]["parameters"] == [
        {"name": "store_id", "type": "int", "required": True, "default": ""}
    ]
    assert "sales" in {r["value"] for r in data["roles"]}
    assert "lead_to_cash" in {p["value"] for p in data["processes"]}


def test_check_answers_the_problems_on_their_elements_and_stores_nothing(client, people, lead_to_cash):
    client.force_login(people["admin"])
    broken = lead_to_cash.bpmn_xml.replace('<bpmn:userTask id="Quote"', '<bpmn:userTask id="Quote"', 1).replace(
        "</bpmn:process>",
        '<bpmn:scriptTask id="BadScript"><bpmn:script>import os</bpmn:script></bpmn:scriptTask></bpmn:process>',
        1,
    )
    answer = _post(client, "modeler_check", broken).json()
    assert answer["ok"] is False
    assert any(p["element"] == "BadScript" for p in answer["problems"])
    assert _post(client, "modeler_check", lead_to_cash.bpmn_xml).json() == {"ok": True, "problems": []}
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 1


def test_deploy_stores_a_new_version_with_the_form_and_audits_the_comment(client, people, lead_to_cash):
    client.force_login(people["admin"])
    xml = _with_new_task(lead_to_cash.bpmn_xml)
    answer = _post(
        client, "modeler_deploy", xml, forms={"lead_to_cash_confirmphone.json": FORM}, comment="ask for the phone"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["version"] == 2
    stored = Deployment.objects.get(process_id="lead_to_cash", version=2)
    assert stored.forms["lead_to_cash_confirmphone.json"] == FORM
    assert stored.deployed_by == people["admin"]
    event = AuditEvent.objects.get(action="deploy_comment")
    assert event.actor == people["admin"] and event.data == {
        "version": 2,
        "from_version": 1,
        "comment": "ask for the phone",
    }


def test_an_invalid_drawing_is_refused_and_the_live_version_stays(client, people, lead_to_cash):
    client.force_login(people["admin"])
    # A condition that does not compile (a lane named in free text is no longer a mistake: its tasks
    # here all name their assignee).
    broken = lead_to_cash.bpmn_xml.replace('outcome == "interested"', 'outcome == = "interested"', 1)
    answer = _post(client, "modeler_deploy", broken)
    assert answer.status_code == 400
    assert [p["element"] for p in answer.json()["problems"]] == ["Flow_interested"]
    assert list(Deployment.objects.filter(process_id="lead_to_cash").values_list("version", flat=True)) == [1]


def test_a_double_submit_deploys_once(client, people, lead_to_cash):
    client.force_login(people["admin"])
    xml = _with_new_task(lead_to_cash.bpmn_xml)
    forms = {"lead_to_cash_confirmphone.json": FORM}
    first = _post(client, "modeler_deploy", xml, forms=forms).json()
    second = _post(client, "modeler_deploy", xml, forms=forms).json()
    assert (first["version"], second["version"], second["unchanged"]) == (2, 2, True)
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 2


def test_an_edit_of_an_older_version_is_refused_with_who_when_and_what_changed(client, people, lead_to_cash):
    client.force_login(people["admin"])
    first = _with_new_task(lead_to_cash.bpmn_xml)
    assert _post(client, "modeler_deploy", first, forms={"lead_to_cash_confirmphone.json": FORM}).status_code == 200
    other = api.Deployment.objects.get(version=2)
    other.deployed_by = people["hq"]  # as if another admin had deployed it
    other.save()
    mine = lead_to_cash.bpmn_xml.replace('name="Lead to cash"', 'name="Lead to cash (mine)"', 1)
    answer = _post(client, "modeler_deploy", mine)
    assert answer.status_code == 409
    conflict = answer.json()["conflict"]
    assert conflict["version"] == 2
    assert "hq" in conflict["message"]
    assert conflict["changes"]["added"] == ["ConfirmPhone", "Flow_confirmed"]
    assert conflict["changes"]["removed"] == []
    assert {"Lane_sales", "Flow_route"} <= set(conflict["changes"]["changed"])
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 2


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        ("this is not xml", "not XML"),
        ("<html><body>hello</body></html>", "not a BPMN 2.0 file"),
    ],
)
def test_not_xml_and_not_bpmn_are_refused_clearly(client, people, lead_to_cash, xml, words):
    client.force_login(people["admin"])
    client.cookies["lotflow_language"] = "en"
    answer = _post(client, "modeler_deploy", xml, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert words in answer.json()["problems"][0]["reason"]


def test_a_drawing_over_the_size_limit_is_refused(client, people, lead_to_cash):
    client.force_login(people["admin"])
    huge = lead_to_cash.bpmn_xml + "<!--" + "x" * (3 * 1024 * 1024) + "-->"
    answer = _post(client, "modeler_deploy", huge)
    assert answer.status_code == 413
    assert "KB" in answer.json()["problems"][0]["reason"]


def test_a_form_file_name_with_a_path_is_refused(client, people, lead_to_cash):
    client.force_login(people["admin"])
    answer = _post(client, "modeler_check", lead_to_cash.bpmn_xml, forms={"../settings.json": FORM})
    assert answer.status_code == 400


def test_a_new_process_starts_from_the_template_and_deploys(client, people):
    client.force_login(people["admin"])
    answer = client.post(reverse("studio:process_new"), {"process_id": "welcome_call", "name": "Welcome call"})
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    xml = page.context["data"]["xml"]
    assert 'id="welcome_call"' in xml and 'name="Welcome call"' in xml
    deployed = client.post(
        _url("modeler_deploy", 0, "welcome_call"),
        json.dumps({"xml": xml, "forms": {}}),
        content_type="application/json",
    )
    assert deployed.json()["version"] == 1, deployed.content
    again = client.post(reverse("studio:process_new"), {"process_id": "welcome_call", "name": "x"})
    assert again.status_code == 200 and again.context["error"]


def test_instructions_preview_is_sanitised_markdown(client, people):
    client.force_login(people["admin"])
    html = client.post(
        reverse("studio:modeler_preview"), {"text": "**Call** now <script>x()</script>"}
    ).content.decode()
    assert "<strong>Call</strong>" in html and "<script" not in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_deploying_edits_of_one_version_at_once_store_one(stores):
    """The live row's lock serializes them: one new version, and the other admin is told about it."""
    import threading

    from django.db import connection

    from tests.helpers import make_staff

    first, second = make_staff("admin_a", None, [("admin", True)]), make_staff("admin_b", None, [("admin", True)])
    deploy(str(LEAD_TO_CASH), user=first)
    xml = Deployment.objects.get(process_id="lead_to_cash", version=1).bpmn_xml
    edits = {
        first: xml.replace('name="Lead to cash"', 'name="Lead to cash A"', 1),
        second: xml.replace('name="Lead to cash"', 'name="Lead to cash B"', 1),
    }
    barrier, outcomes, errors = threading.Barrier(2, timeout=10), [], []

    def run(user):
        try:
            barrier.wait()
            sources = [api.Source("lead_to_cash.bpmn", edits[user])]
            outcomes.append(api.deploy_edit(sources, process_id="lead_to_cash", base_version=1, user=user).version)
        except api.NewerVersion as err:
            outcomes.append(f"refused: v{err.live.version}")
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert sorted(map(str, outcomes)) == ["2", "refused: v2"]
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 2


def test_opening_an_older_version_says_a_newer_one_exists(client, people, lead_to_cash):
    client.force_login(people["admin"])
    xml = _with_new_task(lead_to_cash.bpmn_xml)
    _post(client, "modeler_deploy", xml, forms={"lead_to_cash_confirmphone.json": FORM})
    old = client.get(_url("modeler", 1), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is newer than the one you opened" in old and _url("modeler", 2) in old
    assert "is newer than" not in client.get(_url("modeler", 2), HTTP_ACCEPT_LANGUAGE="en").content.decode()
