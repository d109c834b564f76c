"""Search as Chinese users expect: any part of a name, pinyin and initials, brands and models in
Chinese and English, part of a plate; served from the search index and kept in step on every
write; odd input answered, never an error page."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from portal.crm.models import SearchTerm
from portal.crm.search import QUERY_MAX
from portal.crm.selectors import VehicleFilter, customer_search, vehicle_filter
from portal.crm.services.customers import customer_update
from tests.crm.factories import CustomerFactory, VehicleFactory


def found(user, query):
    return sorted(c.name for c in customer_search(user, query))


@pytest.fixture
def chinese_book(crm_people, stores):
    pudong, _ = stores
    sales = crm_people["sales"]
    people = {
        "liu": CustomerFactory(name="刘超娟", home_store=pudong, owner=sales, brands="丰田"),
        "chen": CustomerFactory(name="陈娟", home_store=pudong, owner=sales, brands="Honda"),
        "wang": CustomerFactory(name="王建国", home_store=pudong, owner=sales),
    }
    VehicleFactory(store=pudong, brand="Volkswagen", model="Passat", plate="沪B00019", customer=people["wang"])
    return people


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("超娟", ["刘超娟"]),
        ("刘超娟", ["刘超娟"]),
        ("娟", ["刘超娟", "陈娟"]),
        ("liuchaojuan", ["刘超娟"]),
        ("chaojuan", ["刘超娟"]),
        ("LiuChao", ["刘超娟"]),
        ("lcj", ["刘超娟"]),
        ("cj", ["刘超娟", "陈娟"]),
        ("jianguo", ["王建国"]),
    ],
)
def test_a_name_by_any_part_pinyin_or_initials(chinese_book, crm_people, query, names):
    assert found(crm_people["sales"], query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("丰田", ["刘超娟"]),
        ("toyota", ["刘超娟"]),
        ("本田", ["陈娟"]),
        ("大众", ["王建国"]),
        ("帕萨特", ["王建国"]),
        ("Passat", ["王建国"]),
        ("volks", ["王建国"]),
    ],
)
def test_brands_and_models_in_chinese_and_english(chinese_book, crm_people, query, names):
    assert found(crm_people["sales"], query) == names


@pytest.mark.parametrize("query", ["00019", "b000", "B0001", "沪b00019", "沪B 00019", "0019"])
def test_a_plate_by_four_or_more_consecutive_characters(chinese_book, crm_people, query):
    assert found(crm_people["sales"], query) == ["王建国"]


def test_three_consecutive_characters_of_a_plate_are_not_enough(chinese_book, crm_people):
    assert found(crm_people["sales"], "019") == []


def test_a_camry_buyer_is_found_by_the_chinese_model(book, stock, crm_people):
    stock["camry"].customer = book["closed"]
    stock["camry"].save()
    assert found(crm_people["sales"], "凯美瑞") == ["Zhao Lei"]
    assert found(crm_people["sales"], "丰田 凯美瑞") == ["Zhao Lei"]


def test_search_keeps_the_scope(chinese_book, crm_people):
    assert found(crm_people["sales2"], "超娟") == []
    assert found(crm_people["hq"], "超娟") == ["刘超娟"]


def test_mixed_scripts_must_all_match(chinese_book, crm_people):
    assert found(crm_people["sales"], "Liu 娟") == ["刘超娟"]
    assert found(crm_people["sales"], "chen 娟") == ["陈娟"]
    assert found(crm_people["sales"], "王 0019") == ["王建国"]


@pytest.mark.parametrize("query", ["!!!", "\uff1f\uff1f", "—", "、", "l"])
def test_punctuation_or_a_single_letter_is_answered(chinese_book, crm_people, query):
    # Punctuation has nothing to search by (no rows); one letter is a name's first letter.
    assert found(crm_people["sales"], query) == (["刘超娟"] if query == "l" else [])


def test_only_spaces_lists_everyone_visible(chinese_book, crm_people):
    assert found(crm_people["sales"], "   ") == ["刘超娟", "王建国", "陈娟"]


def test_a_query_too_long_is_refused_with_the_limit(chinese_book, crm_people):
    with pytest.raises(ValidationError) as refused:
        customer_search(crm_people["sales"], "娟" * 500)
    assert str(QUERY_MAX) in refused.value.message_dict["q"][0]
    assert found(crm_people["sales"], "娟" * QUERY_MAX) == []


def test_the_index_follows_a_rename_and_a_new_phone(chinese_book, crm_people):
    customer_update(
        customer_id=chinese_book["liu"].pk, by=crm_people["sales"], fields={"name": "刘晓燕"}, phones=["13912340777"]
    )
    assert found(crm_people["sales"], "超娟") == []
    assert found(crm_people["sales"], "晓燕") == ["刘晓燕"]
    assert found(crm_people["sales"], "0777") == ["刘晓燕"]


def test_the_index_follows_a_car_changing_hands_and_plate(chinese_book, crm_people):
    car = chinese_book["wang"].vehicles.get()
    car.customer = chinese_book["chen"]
    car.plate = "沪C77888"
    car.save()
    assert found(crm_people["sales"], "帕萨特") == ["陈娟"]
    assert found(crm_people["sales"], "00019") == []
    assert found(crm_people["sales"], "7888") == ["陈娟"]


def test_an_intent_change_is_searchable(chinese_book, crm_people):
    customer_update(customer_id=chinese_book["wang"].pk, by=crm_people["sales"], fields={"brands": "BYD, 特斯拉"})
    assert found(crm_people["sales"], "比亚迪") == ["王建国"]
    assert found(crm_people["sales"], "tesla") == ["王建国"]


def test_the_rebuild_command_restores_a_lost_index(chinese_book, crm_people):
    SearchTerm.objects.all().delete()
    call_command("search_reindex", verbosity=0)
    assert found(crm_people["sales"], "超娟") == ["刘超娟"]


def test_a_search_reads_the_index_not_the_customer_table(chinese_book, crm_people, django_assert_num_queries):
    rows = customer_search(crm_people["hq"], "超娟")
    sql = str(rows.query)
    assert "crm_searchterm" in sql and "LIKE" not in sql.upper()


@pytest.mark.parametrize(
    ("text", "models"),
    [("丰田", ["Camry", "RAV4"]), ("凯美瑞", ["Camry"]), ("camry", ["Camry"]), ("本田", ["CR-V"]), ("1234", ["Camry"])],
)
def test_vehicle_list_search_by_brand_model_or_plate(stock, crm_people, text, models):
    assert sorted(v.model for v in vehicle_filter(crm_people["hq"], VehicleFilter(text=text))) == models


# --- through the page and the API ---------------------------------------------------


def test_the_customer_list_page_searches_a_given_name(chinese_book, crm_people, as_user):
    page = as_user(crm_people["sales"]).get("/crm/customers/", {"q": "超娟"})
    assert page.status_code == 200
    assert "刘超娟" in page.content.decode() and "陈娟" not in page.content.decode()


@pytest.mark.parametrize("query", ["娟" * 500, "Li 伟", "!!!", " ", "l", "%_\\'"])
def test_the_customer_list_page_answers_odd_input(chinese_book, crm_people, as_user, query):
    page = as_user(crm_people["sales"]).get("/crm/customers/", {"q": query})
    assert page.status_code == 200
    if len(query) > QUERY_MAX:
        assert str(QUERY_MAX) in page.content.decode()


@pytest.fixture
def api(crm_people):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(crm_people["sales"])
    return client


def test_the_api_searches_brands_in_chinese(chinese_book, api):
    body = api.get("/api/v1/customers", {"q": "丰田"}).json()
    assert [c["name"] for c in body["results"]] == ["刘超娟"]


@pytest.mark.parametrize("query", ["Li 伟", "!!!", "l", "娟"])
def test_the_api_answers_odd_input(chinese_book, api, query):
    assert api.get("/api/v1/customers", {"q": query}).status_code == 200


def test_the_api_refuses_a_query_too_long_with_a_message(chinese_book, api):
    answer = api.get("/api/v1/customers", {"q": "x" * 500})
    assert answer.status_code == 400
    assert str(QUERY_MAX) in answer.content.decode()


def test_a_delivered_car_finds_its_buyer(chinese_book, crm_people, stores):
    from portal.crm.fsm import transition_apply

    car = VehicleFactory(store=stores[0], plate="沪D55555", status="reserved")
    transition_apply(car, "sell", actor=crm_people["manager"], extra={"customer": chinese_book["chen"]})
    assert found(crm_people["sales"], "55555") == ["陈娟"]
