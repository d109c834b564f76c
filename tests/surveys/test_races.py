"""Two submissions of one survey at the same moment (a double tap on two connections): one response, one
complaint at most, and the other told it was answered. PostgreSQL, real threads."""

import threading

import pytest
from django.db import connection

from portal.crm.models import Complaint
from portal.crm.services.vehicles import order_deliver
from portal.surveys import services
from portal.surveys.defaults import install
from portal.surveys.models import Invitation, Question, Questionnaire, Response

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_submissions_at_once_give_one_response_and_one_complaint(paid_order, seller):
    install(Questionnaire, Question)  # a transactional test before this one flushed the shipped questionnaires
    order_deliver(order_id=paid_order.pk, by=seller)
    invitation = Invitation.objects.get()
    low = {q.pk: 1 for q in invitation.questionnaire.questions.filter(kind="scale5")}
    barrier, done, errors = threading.Barrier(2, timeout=10), [], []

    def submit():
        try:
            barrier.wait()
            done.append(services.response_record(invitation_id=invitation.pk, answers=low))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(done) == 1 and len(errors) == 1 and isinstance(errors[0], services.AlreadyAnswered)
    assert Response.objects.count() == 1 and Complaint.objects.count() == 1
