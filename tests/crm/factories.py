"""factory_boy factories for CRM records (search keys and phone hashes filled in as the services do)."""

import itertools

import factory
from factory.django import DjangoModelFactory

from portal.crm.identifiers import vin_check_digit
from portal.crm.models import Customer, CustomerPhone, Order, Vehicle
from portal.crm.names import name_keys

_phones = itertools.count(13800000000)
_vins = itertools.count(1)


def new_phone() -> str:
    return str(next(_phones))


def valid_vin(serial: int | None = None) -> str:
    body = f"LSVAB2BM{0}PN{(serial or next(_vins)):06d}"  # position 9 is replaced by the check digit
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    source = "walk_in"
    intent_level = "medium"

    @classmethod
    def _create(cls, model_class, *args, phone=None, **kwargs):
        customer = model_class(*args, **kwargs)
        customer.name_key, customer.name_pinyin, customer.name_initials = name_keys(customer.name)
        customer.save()
        number = phone or new_phone()
        CustomerPhone.objects.create(customer=customer, number=number, primary=True)
        return customer


class VehicleFactory(DjangoModelFactory):
    class Meta:
        model = Vehicle

    vin = factory.LazyFunction(valid_vin)
    brand = "Toyota"
    model = "Camry"
    vehicle_type = "sedan"
    year = 2020
    mileage = 40000
    asking_price = 150000


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    price = 150000
