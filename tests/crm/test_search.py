"""Search customers by phone, last four, plate, VIN and name; the advanced filter; vehicle matching."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.crm.selectors import (
    CustomerFilter,
    VehicleFilter,
    customer_filter,
    customer_search,
    stock_matching,
    vehicle_filter,
)
from portal.crm.services.customers import customer_update


def found(user, query):
    return sorted(c.name for c in customer_search(user, query))


def test_full_phone_with_spaces_or_country_code(book, crm_people):
    phone = book["mine"].phones.get().number
    assert found(crm_people["sales"], f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}") == ["李伟"]


def test_last_four_digits(book, crm_people):
    customer_update(customer_id=book["mine"].pk, by=crm_people["sales"], fields={}, phones=["13912340777"])
    assert found(crm_people["sales"], "0777") == ["李伟"]


def test_a_phone_out_of_scope_is_not_found(book, crm_people):
    phone = book["other_store"].phones.get().number
    assert found(crm_people["sales"], phone) == []
    assert found(crm_people["hq"], phone) == ["Liu Yang"]


def test_plate_and_vin_find_the_buyer(book, stock, crm_people):
    stock["camry"].customer = book["closed"]
    stock["camry"].save()
    assert found(crm_people["sales"], "沪a 12345") == ["Zhao Lei"]
    assert found(crm_people["sales"], stock["camry"].vin.lower()) == ["Zhao Lei"]


@pytest.mark.parametrize("query", ["李", "李伟", "liw", "lw", "LW"])
def test_chinese_name_by_characters_pinyin_or_initials(book, crm_people, query):
    assert found(crm_people["sales"], query) == ["李伟"]


def test_latin_name_prefix_and_initials(book, crm_people):
    assert found(crm_people["manager"], "zhang") == ["Zhang Min"]
    assert found(crm_people["manager"], "zm") == ["Zhang Min"]


def test_advanced_filter_combines_criteria(book, crm_people):
    now = timezone.now()
    customer_update(
        customer_id=book["mine"].pk,
        by=crm_people["sales"],
        fields={"budget_min": 100000, "budget_max": 200000, "use": "personal", "intent_level": "high"},
    )
    book["mine"].__class__.objects.filter(pk=book["mine"].pk).update(last_contact_at=now)
    criteria = CustomerFilter(
        contact_from=now - timezone.timedelta(days=1),
        budget_min=150000,
        budget_max=400000,
        use="personal",
        intent_level="high",
        stage="prospect",
        owner_id=crm_people["sales"].pk,
    )
    assert [c.name for c in customer_filter(crm_people["manager"], criteria)] == ["李伟"]
    assert list(customer_filter(crm_people["manager"], CustomerFilter(budget_min=250000, use="personal"))) == []


def test_a_filter_budget_range_upside_down_is_refused(crm_people):
    with pytest.raises(ValidationError) as refused:
        customer_filter(crm_people["sales"], CustomerFilter(budget_min=5, budget_max=1))
    assert "budget_min" in refused.value.message_dict


def test_vehicle_filter_by_brand_price_and_status(stock, crm_people):
    rows = vehicle_filter(crm_people["hq"], VehicleFilter(vehicle_type="suv", price_max=160000, status="in_stock"))
    assert [v.model for v in rows] == ["CR-V"]


def test_stock_matching_a_customer_intent(book, stock, crm_people):
    customer_update(
        customer_id=book["mine"].pk,
        by=crm_people["sales"],
        fields={"vehicle_type": "suv", "brands": "Toyota, Honda", "budget_max": 200000},
    )
    book["mine"].refresh_from_db()
    assert [v.model for v in stock_matching(crm_people["sales"], book["mine"])] == ["CR-V", "RAV4"]
