"""The pool: taking a prospect with the first contact, releasing, handing over, card matching."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from engine import api
from portal.crm.errors import Conflict, NotPermitted, NotVisible
from portal.crm.models import ChangeRecord, Communication, Customer, Stage
from portal.crm.scopes import customers_visible_to
from portal.crm.services.contacts import communication_record
from portal.crm.services.customers import (
    customer_create,
    customer_release,
    membership_card_issue,
    staff_handover,
)


def contact(customer, user, **kw):
    return communication_record(
        customer_id=customer.pk, by=user, channel="phone", content="called", outcome="interested", **kw
    )


def test_the_first_contact_makes_the_salesperson_the_owner(book, crm_people):
    result = contact(book["pool"], crm_people["sales2"], from_pool=True)
    assert result.took_from_pool
    assert Customer.objects.get(pk=book["pool"].pk).owner == crm_people["sales2"]
    assert not customers_visible_to(crm_people["sales"]).filter(pk=book["pool"].pk).exists()
    change = ChangeRecord.objects.get(entity="customer", entity_id=book["pool"].pk, field="owner")
    assert change.actor == crm_people["sales2"] and change.note == "first contact from the pool"


def test_a_first_contact_after_a_colleague_took_the_prospect_writes_nothing_and_hands_the_note_back(book, crm_people):
    contact(book["pool"], crm_people["sales2"], from_pool=True)
    before = Customer.objects.get(pk=book["pool"].pk)
    with pytest.raises(Conflict) as refused:
        communication_record(
            customer_id=book["pool"].pk,
            by=crm_people["sales"],
            channel="phone",
            content="wants a white Camry",
            outcome="interested",
            from_pool=True,
        )
    assert "wants a white Camry" in str(refused.value) and "sales2" not in str(refused.value)
    assert list(Communication.objects.filter(customer=book["pool"]).values_list("author__username", flat=True)) == [
        "sales2"
    ]
    after = Customer.objects.get(pk=book["pool"].pk)
    assert (after.owner, after.last_contact_at, after.score) == (before.owner, before.last_contact_at, before.score)


def test_from_pool_does_not_open_a_colleagues_prospect(book, crm_people):
    """The hole the trust probe found: ``from_pool`` on a prospect a colleague has owned all along."""
    owned = book["mine"]  # sales's prospect, which sales2 cannot see
    assert not customers_visible_to(crm_people["sales2"]).filter(pk=owned.pk).exists()
    before = Customer.objects.get(pk=owned.pk)
    count = Communication.objects.filter(customer=owned).count()
    with pytest.raises(Conflict) as refused:
        contact(owned, crm_people["sales2"], from_pool=True)
    assert crm_people["sales"].username not in str(refused.value)
    assert Communication.objects.filter(customer=owned).count() == count
    after = Customer.objects.get(pk=owned.pk)
    assert (after.last_contact_at, after.score) == (before.last_contact_at, before.score)


def test_a_salesperson_of_another_store_cannot_touch_the_pool(book, crm_people):
    with pytest.raises(NotVisible):
        contact(book["pool"], crm_people["other_sales"], from_pool=True)
    assert Customer.objects.get(pk=book["pool"].pk).owner is None


def test_a_manager_contacting_a_pool_prospect_leaves_it_in_the_pool(book, crm_people):
    result = contact(book["pool"], crm_people["manager"])
    assert not result.took_from_pool and Customer.objects.get(pk=book["pool"].pk).owner is None


def test_an_owner_releases_a_prospect_to_the_pool(book, crm_people):
    customer_release(customer_id=book["mine"].pk, by=crm_people["sales"])
    assert Customer.objects.get(pk=book["mine"].pk).owner is None
    assert customers_visible_to(crm_people["sales2"]).filter(pk=book["mine"].pk).exists()


def test_a_closed_customer_cannot_go_to_the_pool(book, crm_people):
    with pytest.raises(ValidationError, match="pool holds prospects only"):
        customer_release(customer_id=book["closed"].pk, by=crm_people["sales"])


def test_a_prospect_a_salesperson_enters_is_theirs(stores, crm_people):
    customer = customer_create(
        by=crm_people["sales"], phones=["138 0000 9999"], fields={"name": "Sun Li", "source": "car_show"}
    )
    assert (customer.owner, customer.home_store, customer.stage) == (crm_people["sales"], stores[0], Stage.PROSPECT)


def test_a_duplicate_phone_is_refused_naming_the_field_and_nothing_is_kept(book, crm_people):
    phone = book["pool"].phones.get().number
    with pytest.raises(ValidationError) as refused:
        customer_create(by=crm_people["sales"], phones=[phone], fields={"name": "Copy"})
    assert "phones" in refused.value.message_dict
    assert f"already belongs to customer #{book['pool'].pk} (in the pool of 上海浦东店)" in str(refused.value)
    assert not Customer.objects.filter(name="Copy").exists()


def test_a_budget_minimum_above_its_maximum_is_refused(crm_people):
    with pytest.raises(ValidationError) as refused:
        customer_create(
            by=crm_people["sales"],
            phones=["13900001111"],
            fields={"name": "Budget", "budget_min": 300000, "budget_max": 200000},
        )
    assert "budget_min" in refused.value.message_dict
    assert not Customer.objects.filter(name="Budget").exists()


def test_a_leaver_hands_prospects_to_the_pool_and_customers_to_a_colleague(book, crm_people):
    moved = staff_handover(
        leaver=crm_people["sales"], by=crm_people["manager"], prospects_to=None, customers_to=crm_people["sales2"]
    )
    assert moved == {"prospects": 1, "customers": 1, "items_handed": 0, "items_released": 0, "items_withdrawn": 0}
    assert Customer.objects.get(pk=book["mine"].pk).owner is None
    assert Customer.objects.get(pk=book["closed"].pk).owner == crm_people["sales2"]
    notes = set(ChangeRecord.objects.filter(field="owner", actor=crm_people["manager"]).values_list("note", flat=True))
    assert notes == {"handover of sales's prospects", "handover of sales's customers"}


def test_a_handover_with_customers_needs_a_colleague(book, crm_people):
    with pytest.raises(ValidationError, match="name the colleague"):
        staff_handover(leaver=crm_people["sales"], by=crm_people["manager"], prospects_to=None, customers_to=None)
    assert Customer.objects.get(pk=book["mine"].pk).owner == crm_people["sales"]


def test_a_salesperson_cannot_hand_over_a_colleague(book, crm_people):
    with pytest.raises(NotVisible):
        staff_handover(leaver=crm_people["sales2"], by=crm_people["sales"], prospects_to=None, customers_to=None)


def test_a_membership_card_finds_the_prospect_by_phone(book, crm_people, stores):
    phone = book["pool"].phones.get().number
    card = membership_card_issue(
        by=crm_people["manager"], store=stores[0], name="W. Fang", phone=f"+86 {phone}", number="M-0001"
    )
    assert card.customer == book["pool"]
    assert Customer.objects.count() == len(book)


def test_a_membership_card_for_a_new_phone_creates_a_pool_prospect(book, crm_people, stores):
    card = membership_card_issue(
        by=crm_people["manager"], store=stores[0], name="New Person", phone="13712345678", number="M-0002"
    )
    assert (card.customer.name, card.customer.owner, card.customer.stage) == ("New Person", None, Stage.PROSPECT)


def test_a_salesperson_cannot_add_customers_to_another_store(stores, crm_people):
    with pytest.raises(NotPermitted):
        customer_create(
            by=crm_people["sales"], phones=["13900002222"], home_store=stores[1], fields={"name": "Elsewhere"}
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_contacts_at_once_give_one_owner(stores):
    from tests.crm.factories import CustomerFactory
    from tests.helpers import make_staff

    pudong, _ = stores
    a, b = make_staff("race_a", pudong, ["sales"]), make_staff("race_b", pudong, ["sales"])
    prospect = CustomerFactory(home_store=pudong, owner=None)
    barrier, results, errors = threading.Barrier(2, timeout=10), {}, []

    def run(user):
        try:
            barrier.wait()
            results[user.username] = contact(prospect, user, from_pool=True)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    # Exactly one winner; the other is refused (whichever way the race went), and only the winner's note exists.
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    (winner,) = results.values()
    assert winner.took_from_pool and Customer.objects.get(pk=prospect.pk).owner == winner.communication.author
    assert Communication.objects.filter(customer=prospect).count() == 1


def test_a_leavers_open_work_follows_the_customers_or_goes_back_to_the_queue(book, crm_people, stores):
    sales, sales2 = crm_people["sales"], crm_people["sales2"]
    closed = api.create_item(
        kind="reminder", title="Service due", assignee=sales, subject_ref=f"customer:{book['closed'].pk}"
    )[0]
    pooled = api.create_item(
        kind="reminder", title="Call back", assignee=sales, subject_ref=f"customer:{book['mine'].pk}"
    )[0]
    queued = api.create_item(
        kind="warning", title="Prospects waiting", role="sales", store_id=stores[0].pk, subject_ref="store:1"
    )[0]
    api.claim(queued.pk, user=sales)
    moved = staff_handover(leaver=sales, by=crm_people["manager"], prospects_to=None, customers_to=sales2)
    assert (moved["items_handed"], moved["items_released"], moved["items_withdrawn"]) == (1, 1, 1)
    closed.refresh_from_db(), pooled.refresh_from_db(), queued.refresh_from_db()
    assert closed.assignee == sales2 and closed.status == "open"
    assert pooled.status == "cancelled"  # a personal reminder about a prospect now in the pool
    assert queued.assignee is None and queued.status == "open"
    assert [i.pk for i in api.inbox_for(sales2).mine] == [closed.pk]


def test_the_pool_page_tells_a_late_salesperson_and_gives_their_note_back(book, crm_people, as_user):
    contact(book["pool"], crm_people["sales2"], from_pool=True)
    client = as_user(crm_people["sales"])
    answer = client.post(
        f"/crm/customers/{book['pool'].pk}/contact/",
        {"channel": "phone", "content": "asked about a loan", "outcome": "interested", "from_pool": "True"},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == "/crm/pool/"
    shown = answer.content.decode()
    assert "asked about a loan" in shown and "sales2" not in shown.split("<main")[1]
    assert not Communication.objects.filter(customer=book["pool"], author=crm_people["sales"]).exists()
