"""Photos of cars: images checked by content, kept outside the web roots, shown only within scope."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from portal.crm.models import Appraisal, VehiclePhoto
from portal.crm.services.photos import photo_add
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import image_bytes

PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


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
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/jpeg")
    with Image.open(io.BytesIO(b"".join(shown.streaming_content))) as stored:  # written anew, the same picture
        assert (stored.format, stored.size) == ("JPEG", (8, 6))


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


def test_html_appended_to_a_photo_is_not_stored(people, car, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    disguised = JPEG + b"<html><script>alert(1)</script></html>\xff\xd9"
    photo = photo_add(vehicle_id=car.pk, by=people["sales"], filename="car.jpg", stream=io.BytesIO(disguised))
    stored = (tmp_path / photo.storage_name).read_bytes()
    assert b"<script" not in stored and stored.startswith(b"\xff\xd8")


def test_a_picture_that_would_decode_to_gigabytes_is_refused(people, car, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, "PNG")  # a few KB on the wire, 144 megapixels decoded
    with pytest.raises(ValidationError, match="not a JPEG or PNG image"):
        photo_add(vehicle_id=car.pk, by=people["sales"], filename="bomb.png", stream=io.BytesIO(bomb.getvalue()))
    assert not VehiclePhoto.objects.exists()
