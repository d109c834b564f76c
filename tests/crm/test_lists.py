"""Lists that work: the pool sorted and filtered, store and owner filters, the consultation dates,
budget and use columns; bulk reassignment with a notice to the new owner."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone, translation

from engine.models import WorkItem
from portal.crm.automation.texts import shown
from portal.crm.models import Customer
from portal.crm.services.reassign import customers_reassign
from tests.crm.factories import CustomerFactory
from tests.helpers import make_staff


def _names(page):
    return [row.name for row in page.context["page"]]


@pytest.fixture
def pool(stores):
    pudong, westlake = stores
    now = timezone.now()
    return {
        "hot": CustomerFactory(
            name="Hot",
            home_store=pudong,
            owner=None,
            score=80,
            source="website",
            intent_level="high",
            created_at=now - timedelta(days=2),
        ),
        "old": CustomerFactory(
            name="Old",
            home_store=pudong,
            owner=None,
            score=10,
            source="walk_in",
            intent_level="low",
            created_at=now - timedelta(days=40),
        ),
        "mid": CustomerFactory(
            name="Mid",
            home_store=pudong,
            owner=None,
            score=40,
            source="website",
            intent_level="medium",
            created_at=now - timedelta(days=10),
        ),
        "west": CustomerFactory(
            name="West", home_store=westlake, owner=None, score=90, source="website", created_at=now - timedelta(days=5)
        ),
    }


def test_the_pool_comes_by_score_or_by_time_waiting(pool, crm_people, as_user):
    client = as_user(crm_people["sales"])
    assert _names(client.get("/crm/pool/")) == ["Hot", "Mid", "Old"]
    assert _names(client.get("/crm/pool/?sort=waiting")) == ["Old", "Mid", "Hot"]
    assert _names(client.get("/crm/pool/?sort=newest")) == ["Hot", "Mid", "Old"]


def test_the_pool_filters_by_source_intent_score_and_days(pool, crm_people, as_user):
    client = as_user(crm_people["sales"])
    assert _names(client.get("/crm/pool/?source=website")) == ["Hot", "Mid"]
    assert _names(client.get("/crm/pool/?intent_level=low")) == ["Old"]
    assert _names(client.get("/crm/pool/?score_min=30")) == ["Hot", "Mid"]
    assert _names(client.get("/crm/pool/?days_min=7&days_max=30")) == ["Mid"]
    page = client.get("/crm/pool/?days_min=9&days_max=3")
    assert "At least 9 days is more than at most 3 days." in page.content.decode()


def test_the_pool_shows_days_waiting_in_both_languages(pool, crm_people, as_user):
    assert "40 days" in as_user(crm_people["sales"]).get("/crm/pool/").content.decode()
    crm_people["sales2"].staff.language = "zh-hans"
    crm_people["sales2"].staff.save()
    chinese = as_user(crm_people["sales2"]).get("/crm/pool/").content.decode()
    assert "40 天" in chinese and 'aria-label="排序"' in chinese


def _header(html: str, label: str) -> tuple[str, str]:
    """A sortable column header's aria-sort ("" when the list is not sorted by it) and link."""
    found = re.search(rf'<th scope="col"(?: aria-sort="(\w+)")?><a class="sort" href="([^"]+)"[^>]*>{label}', html)
    assert found, f"no sortable header {label}"
    return found.group(1) or "", unescape(found.group(2))


def test_the_pools_headers_sort_it_and_say_which_way(pool, crm_people, as_user):
    client = as_user(crm_people["sales"])
    html = client.get("/crm/pool/?source=website").content.decode()
    assert _header(html, "Score") == ("descending", "?source=website&sort=score_low")
    assert _header(html, "In the pool") == ("", "?source=website&sort=waiting")
    longest = client.get("/crm/pool/?source=website&sort=waiting")
    assert _names(longest) == ["Mid", "Hot"]
    assert _header(longest.content.decode(), "In the pool") == ("descending", "?source=website&sort=waiting_short")
    shortest = client.get("/crm/pool/?source=website&sort=waiting_short")
    assert _names(shortest) == ["Hot", "Mid"]
    assert _header(shortest.content.decode(), "In the pool")[0] == "ascending"
    assert _names(client.get("/crm/pool/?sort=score_low")) == ["Old", "Mid", "Hot"]
    assert _names(client.get("/crm/pool/?sort=name")) == ["Hot", "Mid", "Old"]


def test_the_customer_lists_headers_keep_its_filters_and_page_and_turn_round(book, crm_people, as_user):
    client = as_user(crm_people["hq"])
    html = client.get("/crm/customers/?stage=prospect&page=1").content.decode()
    assert _header(html, "First consulted") == ("descending", "?stage=prospect&page=1&sort=oldest")
    assert _header(html, "Name") == ("", "?stage=prospect&page=1&sort=name")
    by_name = client.get("/crm/customers/?stage=prospect&page=1&sort=name")
    assert _names(by_name) == sorted(_names(by_name), key=lambda n: Customer.objects.get(name=n).name_key)
    assert _header(by_name.content.decode(), "Name") == ("ascending", "?stage=prospect&page=1&sort=name_desc")
    backwards = client.get("/crm/customers/?stage=prospect&sort=name_desc")
    assert _names(backwards) == list(reversed(_names(by_name)))
    # Filtering again keeps the order the headers chose.
    assert 'type="hidden" name="sort" value="name_desc"' in backwards.content.decode()


def test_on_a_phone_the_sort_links_sit_above_the_cards(pool, crm_people, as_user):
    html = as_user(crm_people["sales"]).get("/crm/pool/?sort=waiting").content.decode()
    links = re.search(r'<nav class="sort-links"[^>]*>(.*?)</nav>', html, re.S)
    assert links is not None
    assert 'href="?sort=waiting_short" aria-current="true">In the pool' in unescape(links.group(1))


def test_hq_filters_the_pool_by_store_and_sales_get_no_store_filter(pool, crm_people, as_user, stores):
    _, westlake = stores
    hq = as_user(crm_people["hq"])
    assert _names(hq.get(f"/crm/pool/?store={westlake.pk}")) == ["West"]
    assert "store" not in as_user(crm_people["sales"]).get("/crm/pool/").context["form"].fields


def test_the_customer_list_filters_by_store_and_owner_from_lists(book, crm_people, as_user, stores):
    _, westlake = stores
    hq = as_user(crm_people["hq"])
    assert sorted(_names(hq.get(f"/crm/customers/?store={westlake.pk}"))) == ["Chen Jie", "Liu Yang"]
    owner = hq.get("/crm/customers/").context["form"].fields["owner"]
    assert crm_people["other_sales"] in owner.queryset
    manager = as_user(crm_people["manager"])
    choices = manager.get("/crm/customers/").context["form"].fields["owner"].queryset
    assert crm_people["sales2"] in choices and crm_people["other_sales"] not in choices
    page = manager.get(f"/crm/customers/?owner={crm_people['sales2'].pk}")
    assert _names(page) == ["Zhang Min"]
    # Someone of another store is not a choice: the form refuses it.
    refused = manager.get(f"/crm/customers/?owner={crm_people['other_sales'].pk}")
    assert refused.context["form"].errors["owner"]


def test_the_consultation_dates_are_the_first_intake_not_the_last_contact(stores, crm_people, as_user):
    pudong, _ = stores
    now = timezone.now()
    CustomerFactory(
        name="Came in March",
        home_store=pudong,
        owner=crm_people["sales"],
        created_at=now - timedelta(days=100),
        last_contact_at=now,
    )
    CustomerFactory(
        name="Came this week",
        home_store=pudong,
        owner=crm_people["sales"],
        created_at=now - timedelta(days=2),
        last_contact_at=now - timedelta(days=1),
        budget_min=100000,
        budget_max=150000,
        use="business",
    )
    client = as_user(crm_people["sales"])
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    page = client.get(f"/crm/customers/?consulted_from={since}")
    assert _names(page) == ["Came this week"]
    html = page.content.decode()
    assert "¥100,000 to ¥150,000" in html and "Business" in html
    before = (timezone.localdate() - timedelta(days=50)).isoformat()
    assert _names(client.get(f"/crm/customers/?consulted_to={before}")) == ["Came in March"]


def test_the_customer_list_sorts(book, crm_people, as_user):
    client = as_user(crm_people["manager"])
    names = _names(client.get("/crm/customers/?sort=name"))
    assert names == sorted(names, key=lambda n: Customer.objects.get(name=n).name_key)
    assert _names(client.get("/crm/customers/?sort=oldest"))[0] == "李伟"


def test_a_manager_reassigns_several_customers_and_the_owner_is_told(book, crm_people, as_user):
    manager = as_user(crm_people["manager"])
    picked = [f"{book['pool'].pk}:", f"{book['colleague'].pk}:{crm_people['sales2'].pk}"]
    answer = manager.post("/crm/customers/reassign/", {"owner": crm_people["sales"].pk, "picked": picked}, follow=True)
    assert "2 customers now belong to sales." in answer.content.decode()
    assert {c.owner for c in Customer.objects.filter(pk__in=[book["pool"].pk, book["colleague"].pk])} == {
        crm_people["sales"]
    }
    notices = WorkItem.objects.filter(kind="notice", assignee=crm_people["sales"]).order_by("id")
    assert [n.subject_ref for n in notices] == [f"customer:{book['pool'].pk}", f"customer:{book['colleague'].pk}"]
    assert notices[0].title == "manager gave you the customer Wang Fang"
    with translation.override("zh-hans"):
        assert shown(notices[0].texts["title"]) == "manager 把客户 Wang Fang 分配给了你"


def test_stale_and_out_of_scope_customers_are_reported_one_by_one(book, crm_people):
    seen = {
        book["pool"].pk: crm_people["sales2"].pk,  # the manager saw it owned: it is in the pool now
        book["other_store"].pk: crm_people["other_sales"].pk,  # another store's
        book["colleague"].pk: crm_people["sales2"].pk,
    }
    report = customers_reassign(by=crm_people["manager"], owner=crm_people["sales"], seen=seen)
    assert [c.pk for c in report.moved] == [book["colleague"].pk]
    assert [(pk, why) for pk, _name, why in report.refused] == [
        (book["pool"].pk, "its owner changed since you opened the list; not moved"),
        (book["other_store"].pk, "not one of the customers you may see"),
    ]
    assert Customer.objects.get(pk=book["pool"].pk).owner is None


def test_a_salesperson_of_another_store_is_refused_per_customer(book, crm_people, stores):
    report = customers_reassign(
        by=crm_people["hq"], owner=crm_people["other_sales"], seen={book["mine"].pk: crm_people["sales"].pk}
    )
    assert not report.moved and "not an active salesperson" in report.refused[0][2]
    assert Customer.objects.get(pk=book["mine"].pk).owner == crm_people["sales"]


def test_the_list_offers_reassignment_to_managers_only(book, crm_people, as_user):
    assert as_user(crm_people["manager"]).get("/crm/customers/").context["reassign"] is not None
    sales = as_user(crm_people["sales"])
    assert sales.get("/crm/customers/").context["reassign"] is None
    refused = sales.post(
        "/crm/customers/reassign/", {"owner": crm_people["sales"].pk, "picked": [f"{book['pool'].pk}:"]}
    )
    assert refused.status_code == 403 and Customer.objects.get(pk=book["pool"].pk).owner is None


def test_reassignment_reads_in_chinese(book, crm_people, as_user):
    crm_people["manager"].staff.language = "zh-hans"
    crm_people["manager"].staff.save()
    manager = as_user(crm_people["manager"])
    assert "重新分配所选客户" in manager.get("/crm/customers/").content.decode()
    answer = manager.post(
        "/crm/customers/reassign/", {"owner": crm_people["sales"].pk, "picked": [f"{book['pool'].pk}:"]}, follow=True
    )
    assert "已将 1 位客户分配给 sales。" in answer.content.decode()


def test_a_single_reassignment_on_the_customer_page_also_tells_the_new_owner(book, crm_people, as_user):
    manager = as_user(crm_people["manager"])
    manager.post(f"/crm/customers/{book['mine'].pk}/assign/", {"owner": crm_people["sales2"].pk})
    notice = WorkItem.objects.get(kind="notice", assignee=crm_people["sales2"])
    assert notice.subject_ref == f"customer:{book['mine'].pk}"


def test_a_new_salesperson_appears_in_the_owner_list(book, crm_people, as_user, stores):
    newcomer = make_staff("newcomer", stores[0], ["sales"])
    choices = as_user(crm_people["manager"]).get("/crm/customers/").context["reassign"].fields["owner"].queryset
    assert newcomer in choices and crm_people["manager"] not in choices
