"""Invitations and responses: who is asked what after which record, and what their answers do.

``invitation_create`` is what the CRM's events (``triggers``), the BPMN service ``surveys.invite`` and the
staff's call page use; it never asks about one record twice. ``response_record`` takes the answers once
(the invitation's row lock and the response's unique invitation keep a second submission out), and a low
index opens one complaint, as a low score at a return visit does.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from engine import api
from engine.api import EngineError
from portal.care.outbox import customer_language
from portal.crm.models import Complaint, Customer, Order, ReturnVisit, ServiceRecord
from portal.crm.models.choices import ContactChannel, Severity

from .models import (
    Answer,
    AnsweredBy,
    Invitation,
    InvitationStatus,
    Kind,
    Questionnaire,
    Reason,
    Response,
)
from .sending import invitation_queue

log = logging.getLogger(__name__)


class NoQuestionnaire(LookupError):
    """No questionnaire is in use for a reason (the admin switched them all off)."""


def questionnaire_for(reason: str) -> Questionnaire:
    found = Questionnaire.objects.filter(reason=reason, active=True).order_by("-created_at", "-id").first()
    if found is None:
        raise NoQuestionnaire(reason)
    return found


def invitation_create(
    *,
    customer_id: int,
    reason: str,
    record: str,
    store_id: int,
    salesperson_id: int | None = None,
    send: bool = True,
) -> Invitation | None:
    """The invitation for ``record`` (``order:12``...), made once: a second call returns the first one.
    None when no questionnaire is in use for the reason. With ``send`` its link goes to the customer through
    care's outbox (a worker sends it once the transaction commits); staff's call surveys are not sent."""
    existing = Invitation.objects.filter(record=record).first()
    if existing is not None:
        return existing
    try:
        questionnaire = questionnaire_for(reason)
    except NoQuestionnaire:
        log.info("no questionnaire in use after %s: %s gets no survey", reason, record)
        return None
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                questionnaire=questionnaire,
                customer_id=customer_id,
                reason=reason,
                record=record,
                store_id=store_id,
                salesperson_id=salesperson_id,
                language=customer_language(Customer.objects.get(pk=customer_id)),
                expires_at=api.now() + timedelta(days=settings.LOTFLOW_SURVEY_LINK_DAYS),
            )
    except IntegrityError:  # made meanwhile by another process: theirs
        return Invitation.objects.get(record=record)
    if send:
        invitation_queue(invitation)
    return invitation


def invite_after_delivery(*, order_id: int) -> Invitation | None:
    order = Order.objects.get(pk=order_id)
    return invitation_create(
        customer_id=order.customer_id,
        reason=Reason.DELIVERY,
        record=f"order:{order.pk}",
        store_id=order.store_id,
        salesperson_id=order.salesperson_id,
    )


def invite_after_service(*, service_id: int) -> Invitation | None:
    service = ServiceRecord.objects.select_related("vehicle").get(pk=service_id)
    vehicle = service.vehicle
    if vehicle.customer_id is None:
        return None
    return invitation_create(
        customer_id=vehicle.customer_id,
        reason=Reason.SERVICE,
        record=f"service:{service.pk}",
        store_id=vehicle.store_id,
        salesperson_id=_salesperson(vehicle.customer_id, vehicle.pk),
    )


def invite_after_complaint(*, complaint_id: int) -> Invitation | None:
    complaint = Complaint.objects.get(pk=complaint_id)
    return invitation_create(
        customer_id=complaint.customer_id,
        reason=Reason.COMPLAINT,
        record=f"complaint:{complaint.pk}",
        store_id=complaint.store_id,
        salesperson_id=_salesperson(complaint.customer_id, complaint.vehicle_id),
    )


def invitation_for_visit(*, visit_id: int) -> Invitation | None:
    """The invitation staff fill in during a return-visit call: the delivery questionnaire."""
    visit = ReturnVisit.objects.get(pk=visit_id)
    return invitation_create(
        customer_id=visit.customer_id,
        reason=Reason.DELIVERY,
        record=f"return_visit:{visit.pk}",
        store_id=visit.store_id,
        salesperson_id=_salesperson(visit.customer_id, visit.vehicle_id),
        send=False,
    )


def invitation_for_call(*, customer_id: int, reason: str, by: Any) -> Invitation | None:
    """An invitation for a call staff make from the customer's page, about no particular record."""
    customer = Customer.objects.get(pk=customer_id)
    stamp = api.now().strftime("%Y%m%d%H%M%S")
    return invitation_create(
        customer_id=customer.pk,
        reason=reason,
        record=f"call:{customer.pk}:{by.pk}:{stamp}"[:40],
        store_id=customer.home_store_id,
        salesperson_id=_salesperson(customer.pk, None),
        send=False,
    )


def _salesperson(customer_id: int, vehicle_id: int | None) -> int | None:
    """Who sold the car (the delivered order), else who owns the customer."""
    orders = Order.objects.filter(customer_id=customer_id).order_by("-created_at")
    if vehicle_id is not None:
        orders = orders.filter(vehicle_id=vehicle_id)
    sold_by = orders.values_list("salesperson_id", flat=True).first()
    if sold_by is not None:
        return sold_by
    return Customer.objects.filter(pk=customer_id).values_list("owner_id", flat=True).first()


def _points(kind: str, value: int) -> float:
    low, high = (1, 5) if kind == Kind.SCALE5 else (0, 10)
    return round((value - low) * 100 / (high - low), 2)


class AlreadyAnswered(ValidationError):
    pass


@transaction.atomic
def response_record(
    *, invitation_id: int, answers: dict[int, Any], by: str = AnsweredBy.CUSTOMER, staff: Any = None
) -> Response:
    """Store the answers (question id -> cleaned value) once; a low index opens a complaint.

    The invitation's row is locked first, so two submissions at once (a double tap, a reload) give one
    response and one ``AlreadyAnswered``; the unique invitation on Response holds even where there is no
    row lock (SQLite serialises writers anyway)."""
    invitation = Invitation.objects.select_for_update().select_related("questionnaire").get(pk=invitation_id)
    if Response.objects.filter(invitation_id=invitation.pk).exists():
        raise AlreadyAnswered(_("This survey has already been answered. Thank you!"))
    questions = {q.pk: q for q in invitation.questionnaire.questions.all()}
    response = Response.objects.create(
        invitation=invitation,
        questionnaire=invitation.questionnaire,
        customer_id=invitation.customer_id,
        store_id=invitation.store_id,
        salesperson_id=invitation.salesperson_id,
        answered_by=by,
        staff=staff,
        answered_at=api.now(),
    )
    rows = []
    for pk, value in answers.items():
        question = questions.get(pk)
        if question is None or value in (None, "", []):
            continue
        if question.scale is not None:
            rows.append(
                Answer(
                    response=response,
                    question=question,
                    topic=question.topic,
                    number=value,
                    points=_points(question.kind, value),
                )
            )
        elif question.kind in (Kind.SINGLE, Kind.MULTIPLE):
            rows.append(
                Answer(
                    response=response,
                    question=question,
                    topic=question.topic,
                    chosen=value if isinstance(value, list) else [value],
                )
            )
        else:
            rows.append(Answer(response=response, question=question, topic=question.topic, text=str(value)))
    Answer.objects.bulk_create(rows)
    points = [a.points for a in rows if a.points is not None]
    response.index = round(sum(points) / len(points), 2) if points else None
    if not Questionnaire.objects.filter(pk=invitation.questionnaire_id, frozen=True).exists():
        Questionnaire.objects.filter(pk=invitation.questionnaire_id).update(frozen=True)
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.ANSWERED)
    if response.index is not None and response.index <= settings.LOTFLOW_SURVEY_LOW_INDEX:
        response.complaint_id = _complaint_open(invitation, response, rows)
    response.save(update_fields=["index", "complaint"])
    return response


def _complaint_open(invitation: Invitation, response: Response, answers: list[Answer]) -> int:
    """A low survey opens a complaint (and its process, where one is deployed), as a low return visit does."""
    vehicle_id = None
    kind, _sep, ref = invitation.record.partition(":")
    if kind == "order":
        vehicle_id = Order.objects.filter(pk=int(ref)).values_list("vehicle_id", flat=True).first()
    elif kind == "return_visit":
        vehicle_id = ReturnVisit.objects.filter(pk=int(ref)).values_list("vehicle_id", flat=True).first()
    comments = " ".join(a.text for a in answers if a.text)
    complaint = Complaint.objects.create(
        customer_id=invitation.customer_id,
        vehicle_id=vehicle_id,
        store_id=invitation.store_id,
        channel=ContactChannel.PHONE if response.answered_by == AnsweredBy.STAFF else ContactChannel.SMS,
        category="satisfaction survey",
        severity=Severity.HIGH if (response.index or 0) <= 10 else Severity.MEDIUM,
        description=f"Satisfaction index {response.index:.0f}/100 in survey {invitation} ({invitation.record}). "
        f"{comments}".strip(),
    )
    customer = Customer.objects.only("name").get(pk=invitation.customer_id)
    try:
        with transaction.atomic():
            api.start(
                "complaint",
                business_key=f"complaint:{complaint.pk}",
                data={
                    "store_id": invitation.store_id,
                    "complaint_id": complaint.pk,
                    "customer_id": invitation.customer_id,
                    "customer_name": customer.name,
                },
            )
    except EngineError as err:  # not deployed (or refused): the complaint record is still there to handle
        log.info("complaint %s: no complaint process started (%s)", complaint.pk, err)
    return complaint.pk
