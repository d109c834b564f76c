import pytest

from portal.crm.models import Stage
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import make_staff


@pytest.fixture
def crm_people(people, stores):
    """The shared people, plus service and complaints staff of 上海浦东店."""
    pudong, _ = stores
    return {
        **people,
        "service": make_staff("service", pudong, ["service"]),
        "complaints": make_staff("complaints", pudong, ["complaints"]),
        "hq_finance": make_staff("hq_finance", None, [("finance", True)]),
    }


@pytest.fixture
def book(crm_people, stores):
    """A small customer book across both stores."""
    pudong, westlake = stores
    p = crm_people
    return {
        "mine": CustomerFactory(name="李伟", home_store=pudong, owner=p["sales"], id_number="310101199001011234"),
        "colleague": CustomerFactory(name="Zhang Min", home_store=pudong, owner=p["sales2"]),
        "pool": CustomerFactory(name="Wang Fang", home_store=pudong, owner=None, id_number="310101198505054321"),
        "other_pool": CustomerFactory(name="Chen Jie", home_store=westlake, owner=None),
        "other_store": CustomerFactory(name="Liu Yang", home_store=westlake, owner=p["other_sales"]),
        "closed": CustomerFactory(name="Zhao Lei", home_store=pudong, owner=p["sales"], stage=Stage.CUSTOMER),
    }


@pytest.fixture
def stock(stores):
    pudong, westlake = stores
    return {
        "camry": VehicleFactory(store=pudong, plate="沪A12345"),
        "rav4": VehicleFactory(store=pudong, model="RAV4", vehicle_type="suv", asking_price=180000),
        "other": VehicleFactory(store=westlake, brand="Honda", model="CR-V", vehicle_type="suv"),
    }


@pytest.fixture
def as_user(client):
    """The test client signed in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _empty_cache():
    """The lead form's rate limit counts in the cache; each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
