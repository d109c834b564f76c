"""Each role sees what it may use: menus and buttons follow the grants, and the dealer's cost stays
with the store's manager, finance, hq and admin (page, history and API alike)."""

import pytest
from django.urls import reverse

from portal.crm.forms import StaffForm
from portal.crm.history import history_for
from portal.crm.services.vehicles import vehicle_update
from tests.crm.factories import VehicleFactory

COST = 98765


def _menu(client) -> str:
    return client.get(reverse("crm:customers")).content.decode()


def test_a_salesperson_is_offered_neither_import_nor_staff_and_may_not_open_them(crm_people, as_user):
    client = as_user(crm_people["sales"])
    page = _menu(client)
    for url in ("crm:lead_import", "crm:staff_list", "crm:staff_new", "crm:approvals"):
        assert f'href="{reverse(url)}"' not in page
    assert client.get(reverse("crm:staff_new")).status_code == 403
    assert client.get(reverse("crm:approvals")).status_code == 403
    assert f'href="{reverse("crm:acquisition_new")}"' in page  # sales do buy in trade-ins


def test_a_store_manager_is_offered_import_staff_and_approvals(crm_people, as_user):
    client = as_user(crm_people["manager"])
    page = _menu(client)
    for url in ("crm:lead_import", "crm:staff_list", "crm:approvals", "crm:acquisition_new"):
        assert f'href="{reverse(url)}"' in page
    assert f'href="{reverse("crm:staff_new")}"' in client.get(reverse("crm:staff_list")).content.decode()


def test_hq_sees_the_staff_list_but_is_not_offered_to_add_staff(crm_people, as_user):
    page = as_user(crm_people["hq"]).get(reverse("crm:staff_list")).content.decode()
    assert f'href="{reverse("crm:staff_list")}"' in page and f'href="{reverse("crm:staff_new")}"' not in page


def test_finance_is_not_offered_to_buy_in_a_car_for_no_store(crm_people, as_user):
    client = as_user(crm_people["finance"])
    assert f'href="{reverse("crm:acquisition_new")}"' not in _menu(client)
    typed = client.get(reverse("crm:acquisition_new"))
    assert typed.status_code == 403
    assert "Cars are bought in by sales, store managers, service and headquarters." in typed.content.decode()


def test_the_staff_form_offers_a_manager_only_the_roles_and_store_they_may_grant(crm_people, stores):
    by_manager = StaffForm(by=crm_people["manager"])
    assert {code for code, _ in by_manager.fields["roles"].choices} == {"sales", "finance", "service", "complaints"}
    assert list(by_manager.fields["store"].queryset) == [stores[0]]
    by_admin = StaffForm(by=crm_people["admin"])
    assert "admin" in {code for code, _ in by_admin.fields["roles"].choices}
    assert set(by_admin.fields["store"].queryset) == set(stores)


@pytest.fixture
def costed_car(crm_people, stores):
    car = VehicleFactory(store=stores[0])
    vehicle_update(vehicle_id=car.pk, by=crm_people["manager"], fields={"purchase_price": COST})
    return car


def test_a_salesperson_sees_no_purchase_price_on_the_page_in_history_or_in_the_api(costed_car, crm_people, as_user):
    client = as_user(crm_people["sales"])
    page = client.get(reverse("crm:vehicle", args=[costed_car.pk])).content.decode()
    assert "¥98,765" not in page and "98765" not in page and "Purchase price" not in page
    assert [r for r in history_for(costed_car, crm_people["sales"]) if r["field"] == "purchase_price"] == []
    api_car = client.get(f"/api/v1/vehicles/{costed_car.pk}").json()
    assert "purchase_price" not in api_car and api_car["asking_price"] == costed_car.asking_price
    edit = client.get(reverse("crm:vehicle_edit", args=[costed_car.pk])).content.decode()
    assert 'name="purchase_price"' not in edit


def test_a_salesperson_saving_the_car_leaves_its_cost_alone(costed_car, crm_people, as_user):
    client = as_user(crm_people["sales"])
    client.patch(
        f"/api/v1/vehicles/{costed_car.pk}", {"purchase_price": 1, "mileage": 40100}, content_type="application/json"
    )
    costed_car.refresh_from_db()
    assert (costed_car.purchase_price, costed_car.mileage) == (COST, 40100)


def test_the_store_manager_sees_the_purchase_price_everywhere(costed_car, crm_people, as_user):
    client = as_user(crm_people["manager"])
    page = client.get(reverse("crm:vehicle", args=[costed_car.pk])).content.decode()
    assert "¥98,765" in page
    [row] = [r for r in history_for(costed_car, crm_people["manager"]) if r["field"] == "purchase_price"]
    assert row["new"] == str(COST)
    assert client.get(f"/api/v1/vehicles/{costed_car.pk}").json()["purchase_price"] == COST
