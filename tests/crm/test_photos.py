"""Photos of cars: images checked by content, kept outside the web roots, shown only within scope."""

import io

import pytest
from django.core.exceptions import ValidationError

from portal.crm.models import Appraisal, VehiclePhoto
from portal.crm.services.photos import photo_add
from tests.crm.factories import CustomerFactory, VehicleFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
def car(stores):
    return VehicleFactory(store=stores[0])


def test_a_salesperson_adds_a_photo_and_sees_it_on_the_vehicle(client, people, car, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    client.force_login(people["sales"])
    client.post(f"/crm/vehicles/{car.pk}/photos/", {"file": io.BytesIO(JPEG)}, format="multipart")
    photo = VehiclePhoto.objects.get(vehicle=car)
    page = client.get(f"/crm/vehicles/{car.pk}/")
    assert f"/crm/photos/{photo.pk}/" in page.content.decode()
    shown = client.get(f"/crm/photos/{photo.pk}/")
    assert (shown.status_code, shown["Content-Type"], b"".join(shown.streaming_content)) == (200, "image/jpeg", JPEG)


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(people, car, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    with pytest.raises(ValidationError, match="not a JPEG or PNG image"):
        photo_add(vehicle_id=car.pk, by=people["sales"], filename="car.jpg", stream=io.BytesIO(b"%PDF-1.4 ... %%EOF"))
    assert not VehiclePhoto.objects.exists() and not list(tmp_path.iterdir())


def test_a_photo_of_a_car_out_of_scope_is_not_found(client, people, stores, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    buyer = CustomerFactory(home_store=stores[0], owner=people["sales"])
    sold = VehicleFactory(store=stores[0], status="sold", customer=buyer)
    photo = photo_add(vehicle_id=sold.pk, by=people["sales"], filename="front.png", stream=io.BytesIO(PNG))
    client.force_login(people["other_sales"])
    assert client.get(f"/crm/photos/{photo.pk}/").status_code == 404


def test_an_appraised_car_gets_photos_too(people, stores, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    appraisal = Appraisal.objects.create(store=stores[0], seller_name="Qian", vin="LSVAB2BM0PN000001", mileage=1)
    photo = photo_add(appraisal_id=appraisal.pk, by=people["manager"], filename="side.png", stream=io.BytesIO(PNG))
    assert list(appraisal.photos.all()) == [photo]
