"""The approvals page: a store manager's pending order changes and transfers with what the decision
needs, decided one by one or several at once; one decided first is reported and the rest done."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from engine import api, clock
from engine.models import ItemStatus, WorkItem
from portal.crm.models import ChangeRecord, Order, Transfer
from portal.crm.models.choices import TransferStatus
from portal.crm.services.transfers import transfer_request
from portal.crm.services.vehicles import order_create
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import make_staff, only_item


@pytest.fixture
def pending(crm_people, stores, settings):
    """Two order changes and a transfer waiting for 上海浦东店's manager."""
    clock.freeze(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / f"{p}.bpmn" for p in ("order_change", "vehicle_transfer")])
    sales = crm_people["sales"]
    changes = []
    for name, day in (("李伟", "2026-12-05"), ("王芳", "2026-12-09")):
        customer = CustomerFactory(name=name, home_store=stores[0], owner=sales)
        order = order_create(
            by=sales, customer_id=customer.pk, vehicle_id=VehicleFactory(store=stores[0]).pk, price=150000
        )
        iid = api.start(
            "order_change",
            business_key=f"order:{order.pk}",
            user=sales,
            data={"store_id": order.store_id, "order_id": order.pk},
        ).instance_id
        api.complete(
            only_item(iid, "RequestChange").pk,
            user=sales,
            data={"change_kind": "delivery_date", "new_delivery_date": day, "change_reason": "客户出差"},
        )
        changes.append((order, only_item(iid, "ManagerApproval")))
    car = VehicleFactory(store=stores[0], brand="Honda", model="CR-V", purchase_price=120000)
    transfer = transfer_request(by=sales, vehicle_id=car.pk, to_store_id=stores[1].pk, reason="杭州客户想看这台车")
    approve = WorkItem.objects.get(subject_ref=f"transfer:{transfer.pk}", element_id="Approve", status=ItemStatus.OPEN)
    return {"changes": changes, "transfer": transfer, "transfer_item": approve}


def test_the_manager_sees_order_changes_and_a_transfer_with_what_the_decision_needs(pending, crm_people, as_user):
    page = as_user(crm_people["manager"]).get(reverse("crm:approvals")).content.decode()
    for _order, item in pending["changes"]:
        assert f'name="items" value="{item.pk}"' in page
    assert f'name="items" value="{pending["transfer_item"].pk}"' in page
    assert "李伟" in page and "Delivery date" in page and "客户出差" in page and "¥150,000" in page
    assert "CR-V" in page and "杭州西湖店" in page and "杭州客户想看这台车" in page and "¥120,000" in page
    assert reverse("crm:customer", args=[pending["changes"][0][0].customer_id]) in page


def test_bulk_approval_does_the_open_ones_and_reports_the_one_decided_first(pending, crm_people, stores, as_user):
    (first, first_item), (second, second_item) = pending["changes"]
    colleague = make_staff("manager2", stores[0], ["store_manager"])
    api.complete(second_item.pk, user=colleague, data={"decision": "reject", "comment": "交车排期已满"})
    ids = [first_item.pk, second_item.pk, pending["transfer_item"].pk]
    page = as_user(crm_people["manager"]).post(
        reverse("crm:approvals"), {"items": ids, "act": "approve", "comment": ""}, follow=True
    )
    said = [str(m) for m in page.context["messages"]]
    assert sum(m.endswith(": approved.") for m in said) == 2
    assert [m for m in said if "manager2 decided it first; nothing changed." in m] == [
        f"{second_item.subject_label}: manager2 decided it first; nothing changed."
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.delivery_at.date().isoformat() == "2026-12-05"
    assert second.delivery_at is None  # the colleague's rejection stands
    assert not ChangeRecord.objects.filter(entity="order", entity_id=second.pk, field="delivery_at").exists()
    assert WorkItem.objects.get(pk=second_item.pk).completed_by == colleague
    assert Transfer.objects.get(pk=pending["transfer"].pk).status == TransferStatus.APPROVED
    assert f'value="{first_item.pk}"' not in page.content.decode()


def test_a_rejection_needs_a_comment_and_without_one_nothing_is_decided(pending, crm_people, as_user):
    _order, item = pending["changes"][0]
    page = as_user(crm_people["manager"]).post(reverse("crm:approvals"), {"act": f"reject:{item.pk}", "comment": ""})
    assert page.status_code == 400 and "Say why you reject" in page.content.decode()
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.OPEN


def test_one_approval_rejected_by_its_own_button_tells_the_requester(pending, crm_people, as_user):
    order, item = pending["changes"][0]
    as_user(crm_people["manager"]).post(
        reverse("crm:approvals"), {"act": f"reject:{item.pk}", "comment": "这周车间排满了"}
    )
    order.refresh_from_db()
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.DONE and order.delivery_at is None
    notices = [i.title for i in api.inbox_for(crm_people["sales"]).notices]
    assert any("这周车间排满了" in t for t in notices)
    assert Order.objects.count() == 2


def test_a_manager_who_reads_chinese_sees_the_approvals_in_chinese(pending, crm_people, as_user):
    staff = crm_people["manager"].staff
    staff.language = "zh-hans"
    staff.save(update_fields=["language"])
    page = as_user(crm_people["manager"]).get(reverse("crm:approvals")).content.decode()
    assert "审批" in page and "变更项目" in page and "交车日期" in page and "调出门店" in page
    assert "批准所选" in page and "Delivery date" not in page and "delivery_date" not in page
