import pytest

from portal.crm.models import Role
from portal.crm.models.choices import OrderStatus
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from tests.helpers import make_staff, make_store


@pytest.fixture
def store(db):
    return make_store("静安店", "上海")


@pytest.fixture
def seller(store):
    return make_staff("li.na", store, [Role.SALES])


@pytest.fixture
def paid_order(store, seller):
    customer = CustomerFactory(name="王芳", home_store=store, owner=seller, stage="customer")
    vehicle = VehicleFactory(store=store, status="reserved")
    return OrderFactory(customer=customer, vehicle=vehicle, store=store, salesperson=seller, status=OrderStatus.PAID)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The survey page's rate limit counts in the cache; each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
