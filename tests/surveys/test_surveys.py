"""Surveys end to end without a browser: an invitation after a delivery, its link (once, until it expires,
refused when altered), the answers feeding the index, and a low score opening one complaint."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from engine import api, clock
from portal.crm.models import Complaint, Role
from portal.crm.services.vehicles import order_deliver
from portal.reports.satisfaction import satisfaction
from portal.reports.window import window_for
from portal.surveys import services
from portal.surveys.links import token_for
from portal.surveys.models import AnsweredBy, Invitation, InvitationStatus, Kind, Response
from tests.helpers import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(paid_order, seller):
    order_deliver(order_id=paid_order.pk, by=seller)
    return Invitation.objects.get(record=f"order:{paid_order.pk}")


def _answers(invitation: Invitation, scale: int) -> dict[str, str]:
    """Every required question answered: scales with ``scale`` (1-5; 0-10 scaled alike), choices with the first."""
    data = {}
    for q in invitation.questionnaire.questions.all():
        if q.kind == Kind.SCALE5:
            data[f"q{q.pk}"] = str(scale)
        elif q.kind == Kind.SCALE10:
            data[f"q{q.pk}"] = str((scale - 1) * 10 // 4)
        elif q.kind in (Kind.SINGLE, Kind.MULTIPLE):
            data[f"q{q.pk}"] = "0"
        else:
            data[f"q{q.pk}"] = "很好" if scale > 2 else "太慢了"
    return data


def _url(invitation: Invitation) -> str:
    return reverse("surveys:answer", args=[token_for(invitation)])


def test_a_delivery_invites_the_customer_once(paid_order, seller):
    order_deliver(order_id=paid_order.pk, by=seller)
    invitation = Invitation.objects.get()
    assert (invitation.customer_id, invitation.store_id, invitation.salesperson_id) == (
        paid_order.customer_id,
        paid_order.store_id,
        seller.pk,
    )
    assert invitation.questionnaire.reason == "delivery"
    assert services.invite_after_delivery(order_id=paid_order.pk) == invitation
    assert Invitation.objects.count() == 1


def test_a_link_works_once(invitation):
    client = Client()
    page = client.get(_url(invitation))
    assert page.status_code == 200
    assert "王芳" in page.content.decode()
    assert "Content-Security-Policy" in page
    done = client.post(_url(invitation), _answers(invitation, 5))
    assert done.status_code == 200
    assert Response.objects.get().answered_by == AnsweredBy.CUSTOMER
    again = client.get(_url(invitation))
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    twice = client.post(_url(invitation), _answers(invitation, 5))
    assert twice.status_code == 410
    assert Response.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED


def test_a_link_expires(invitation, settings):
    url = _url(invitation)
    with clock.frozen(api.now() + timedelta(days=settings.LOTFLOW_SURVEY_LINK_DAYS, minutes=1)):
        page = Client().get(url)
        assert page.status_code == 410
        assert "expired" in page.content.decode()
        assert Client().post(url, _answers(invitation, 5)).status_code == 410
    assert not Response.objects.exists()


def test_a_tampered_link_is_refused(invitation):
    token = token_for(invitation)
    other = str(invitation.pk + 1) + token[len(str(invitation.pk)) :]
    for bad in (other, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense"):
        page = Client().get(reverse("surveys:answer", args=[bad]))
        assert page.status_code == 404
        assert "does not work" in page.content.decode()


def test_the_refusal_speaks_chinese_by_default(invitation):
    page = Client(headers={"accept-language": "zh-CN"}).get(reverse("surveys:answer", args=["x:y"]))
    assert "链接" in page.content.decode()


def test_a_missing_answer_is_shown_and_nothing_is_lost(invitation):
    data = _answers(invitation, 4)
    first = invitation.questionnaire.questions.filter(required=True).first()
    data.pop(f"q{first.pk}")
    page = Client().post(_url(invitation), data)
    assert page.status_code == 400
    assert "Please choose a score." in page.content.decode()
    assert 'value="4" checked' in page.content.decode() or "checked" in page.content.decode()
    assert not Response.objects.exists()


def test_answers_feed_the_index(invitation, store, seller):
    Client().post(_url(invitation), _answers(invitation, 4))
    response = Response.objects.get()
    assert response.index == pytest.approx(75, abs=3)
    hq = make_staff("hq", None, [(Role.HQ, True)])
    report = satisfaction(window_for(hq, {}))
    months, by_store, by_person, by_topic = (list(t.rows) for t in report.tables)
    assert by_store[0]["store"] == store.name and by_store[0]["n"] == 1
    assert by_person[0]["n"] == 1 and months[0]["n"] == 1
    assert {r["topic"] for r in by_topic} == {"The vehicle", "Sales service"}
    hq_client = Client()
    hq_client.force_login(hq)
    page = hq_client.get(reverse("reports:satisfaction"))
    assert page.status_code == 200
    assert store.name in page.content.decode()


def test_a_low_score_opens_one_complaint(invitation):
    client = Client()
    client.post(_url(invitation), _answers(invitation, 1))
    client.post(_url(invitation), _answers(invitation, 1))
    with pytest.raises(services.AlreadyAnswered):
        services.response_record(invitation_id=invitation.pk, answers={})
    complaint = Complaint.objects.get()
    assert complaint.customer_id == invitation.customer_id
    assert Response.objects.get().complaint_id == complaint.pk
    assert "太慢了" in complaint.description


def test_staff_fill_in_a_survey_during_a_return_visit(paid_order, seller, store):
    from portal.crm.models import ReturnVisit

    visit = ReturnVisit.objects.create(
        customer=paid_order.customer, vehicle=paid_order.vehicle, store=store, kind="after_delivery", due=api.now()
    )
    service = make_staff("zhou", store, [Role.SERVICE])
    client = Client()
    client.force_login(service)
    url = reverse("surveys:visit_fill", args=[visit.pk])
    assert client.get(url).status_code == 200
    invitation = Invitation.objects.get(record=f"return_visit:{visit.pk}")
    assert client.post(url, _answers(invitation, 2)).status_code == 302
    response = Response.objects.get()
    assert (response.answered_by, response.staff) == (AnsweredBy.STAFF, service)
    assert Complaint.objects.count() == 1  # 2 of 5 is the return visits' low score too
    assert client.post(url, _answers(invitation, 2)).status_code == 200
    assert Response.objects.count() == 1 and Complaint.objects.count() == 1


def test_an_answered_questionnaire_gets_a_new_version_when_edited(invitation):
    from portal.surveys.design import questionnaire_save

    Client().post(_url(invitation), _answers(invitation, 5))
    old = invitation.questionnaire
    old.refresh_from_db()
    assert old.frozen
    fields = {
        "key": old.key,
        "reason": old.reason,
        "title_zh": "新标题",
        "title_en": "",
        "intro_zh": "",
        "intro_en": "",
        "active": True,
    }
    new = questionnaire_save(
        questionnaire=old,
        fields=fields,
        questions=[
            {
                "position": 1,
                "topic": "sales",
                "kind": "scale10",
                "required": True,
                "text_zh": "推荐吗？",
                "text_en": "",
                "parsed_choices": [],
            }
        ],
        by=None,
    )
    assert (new.key, new.version) == (old.key, old.version + 1)
    old.refresh_from_db()
    assert not old.active and old.questions.count() == 6
    assert Response.objects.get().answers.first().question.questionnaire_id == old.pk
    assert services.questionnaire_for("delivery") == new


def test_the_survey_page_is_rate_limited(invitation, settings):
    settings.LOTFLOW_SURVEY_FORM_RATE = (2, 600)
    client = Client()
    for _n in range(2):
        assert client.post(_url(invitation), {}).status_code == 400
    assert client.post(_url(invitation), _answers(invitation, 5)).status_code == 429
    assert not Response.objects.exists()


def test_the_report_and_the_page_cost_the_same_queries_for_more_answers(invitation, store, seller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.crm.factories import CustomerFactory

    hq = make_staff("hq", None, [(Role.HQ, True)])
    client = Client()
    client.force_login(hq)

    def counted() -> tuple[int, int]:
        fresh = services.invitation_create(
            customer_id=CustomerFactory(home_store=store).pk,
            reason="delivery",
            record=f"t:{api.now()}",
            store_id=store.pk,
        )
        with CaptureQueriesContext(connection) as report:
            assert client.get(reverse("reports:satisfaction")).status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert Client().get(_url(fresh)).status_code == 200
        return len(report), len(page)

    Client().post(_url(invitation), _answers(invitation, 4))
    counted()  # the first request of a session saves it
    before = counted()
    for n in range(5):
        other = services.invitation_create(
            customer_id=CustomerFactory(home_store=store).pk,
            reason="delivery",
            record=f"x:{n}",
            store_id=store.pk,
            salesperson_id=seller.pk,
        )
        Client().post(_url(other), _answers(other, 1 + n % 5))
    assert counted() == before
