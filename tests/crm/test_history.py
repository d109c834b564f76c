"""History of changes: who, when, old and new, masked per viewer when shown."""

from django.utils import translation

from portal.crm.history import MASK, history_for
from portal.crm.services.customers import customer_assign, customer_update
from portal.crm.services.vehicles import vehicle_create
from tests.crm.factories import valid_vin


def test_a_change_records_who_and_old_and_new_values(book, crm_people):
    customer_update(
        customer_id=book["mine"].pk, by=crm_people["sales"], fields={"intent_level": "high", "email": "li@example.com"}
    )
    rows = {r["field"]: r for r in history_for(book["mine"], crm_people["manager"])}
    # Shown as people read them: the choices' labels, not their stored codes.
    assert (rows["intent_level"]["old"], rows["intent_level"]["new"], rows["intent_level"]["actor"]) == (
        "Medium",
        "High",
        "sales",
    )
    assert rows["email"]["new"] == "li@example.com"


def test_history_shows_labels_record_names_and_notes_in_the_readers_language(crm_people, stores):
    fields = {"vin": valid_vin(), "brand": "Toyota", "model": "Camry", "vehicle_type": "suv", "year": 2020}
    car = vehicle_create(by=crm_people["manager"], store=stores[0], fields={**fields, "mileage": 1, "asking_price": 1})
    with translation.override("zh-hans"):
        rows = {r["field"]: r for r in history_for(car, crm_people["manager"])}
    assert (rows["vehicle_type"]["new"], rows["store"]["new"], rows["vin"]["note"]) == ("SUV", stores[0].name, "创建")
    assert rows["status"]["new"] == "在库"


def test_identity_fields_are_masked_for_a_viewer_who_cannot_see_them(book, crm_people):
    customer_update(customer_id=book["pool"].pk, by=crm_people["manager"], fields={"id_number": "110101199912120000"})
    seen_by_manager = {r["field"]: r for r in history_for(book["pool"], crm_people["manager"])}
    seen_by_sales = {r["field"]: r for r in history_for(book["pool"], crm_people["sales"])}
    assert seen_by_manager["id_number"]["old"] == "310101198505054321"
    assert (seen_by_sales["id_number"]["old"], seen_by_sales["id_number"]["new"]) == (MASK, MASK)


def test_phone_changes_are_recorded(book, crm_people):
    customer_update(customer_id=book["mine"].pk, by=crm_people["sales"], fields={}, phones=["13911112222"])
    row = next(r for r in history_for(book["mine"], crm_people["sales"]) if r["field"] == "phones")
    assert row["new"] == "13911112222"


def test_a_new_owner_is_shown_by_name(book, crm_people):
    sales2 = crm_people["sales2"]
    sales2.first_name, sales2.last_name = "芳", "王"
    sales2.save()
    customer_assign(customer_id=book["mine"].pk, by=crm_people["manager"], owner=sales2)
    rows = {r["field"]: r for r in history_for(book["mine"], crm_people["manager"])}
    assert rows["owner"]["new"] == "王芳"
