"""Task forms read from JSON Schema: which widget each field gets, and how a post becomes typed data."""

import json
from pathlib import Path

import pytest
from django.http import QueryDict

from portal.inbox.taskforms import TaskForm, UnsupportedForm
from tests.inbox.conftest import valid_appraisal

SCHEMA = json.loads((Path(__file__).parent / "bpmn" / "forms" / "appraisal.json").read_text())
SALES = [{"value": "sales", "label": "Ann Sales"}, {"value": "sales2", "label": "Bo Sales"}]


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"  # the expected offsets below are +08:00


def appraisal_form(values: dict | None = None) -> TaskForm:
    return TaskForm(SCHEMA, values=values or {"customer_name": "Wang Fang"}, choices={"appraiser": SALES})


def posted(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def widgets(form: TaskForm) -> dict[str, str]:
    return {f.path: f.widget for f in form.all_fields()}


def test_each_kind_of_field_gets_its_widget():
    assert widgets(appraisal_form()) == {
        "customer_name": "readonly",
        "plate": "text",
        "mileage": "integer",
        "offer": "number",
        "accident_free": "checkbox",
        "condition": "radio",
        "colour": "select",
        "fuel": "radio",
        "seats": "radio",
        "inspected_on": "date",
        "handover_at": "datetime",
        "extras": "checkboxes",
        "appraiser": "radio",
        "owner": "group",
        "owner.name": "text",
        "owner.years": "integer",
        "owner.smoker": "checkbox",
        "notes": "textarea",
    }


def test_choices_come_from_enum_titles_and_the_provider():
    fields = {f.path: f for f in appraisal_form().all_fields()}
    assert [(o.key, o.label) for o in fields["fuel"].options] == [
        ("petrol", "Petrol"),
        ("hybrid", "Hybrid"),
        ("ev", "Electric"),
    ]
    assert [o.label for o in fields["condition"].options][:2] == ["Excellent", "Good"]
    assert [o.label for o in fields["appraiser"].options] == ["Ann Sales", "Bo Sales"]
    assert [o.key for o in fields["seats"].options] == ["2", "4", "5", "7"]


def test_a_valid_post_becomes_the_schema_types():
    data = appraisal_form().convert(posted(valid_appraisal()))
    assert data == {
        "plate": "HU12345",
        "mileage": 86000,
        "offer": 52000.5,
        "accident_free": True,
        "condition": "good",
        "colour": "silver",
        "fuel": "hybrid",
        "seats": 5,
        "inspected_on": "2026-11-20",
        "handover_at": "2026-11-30T10:30:00+08:00",
        "extras": ["sunroof", "tow_bar"],
        "appraiser": "sales2",
        "owner": {"name": "Zhao Lei", "years": 4, "smoker": False},
        "notes": "Small dent, rear left.",
    }


def test_blank_optional_fields_and_a_blank_optional_group_are_left_out():
    post = valid_appraisal(
        offer="",
        colour="",
        handover_at="",
        extras=None,
        appraiser="",
        notes="  ",
        **{"owner.name": "", "owner.years": "", "accident_free": None},
    )
    data = appraisal_form().convert(posted(post))
    assert set(data) == {"plate", "mileage", "accident_free", "condition", "fuel", "seats", "inspected_on"}
    assert data["accident_free"] is False


def test_read_only_values_are_never_taken_from_a_post():
    data = appraisal_form().convert(posted(valid_appraisal(customer_name="Someone Else")))
    assert "customer_name" not in data


def test_what_cannot_be_converted_is_named_beside_its_field_and_kept():
    form = appraisal_form()
    data = form.convert(
        posted(
            valid_appraisal(
                mileage="lots",
                offer="1,5",
                inspected_on="2026-02-30",
                seats="6",
                extras=["sunroof", "jetpack"],
                accident_free="maybe",
                handover_at="tomorrow",
            )
        )
    )
    errors = {f.path: f.errors for f in form.all_fields() if f.errors}
    assert data is None
    assert errors == {
        "mileage": ["enter a whole number, such as 42 (not 'lots')"],
        "offer": ["enter a number, such as 12.5 (not '1,5')"],
        "accident_free": ["tick the box or leave it empty"],
        "seats": ["'6' is not one of the choices"],
        "inspected_on": ["there is no such date: 2026-02-30"],
        "handover_at": [
            "enter the date and time as year-month-day hour:minute, such as 2026-12-05 10:00 (not 'tomorrow')"
        ],
        "extras": ["'jetpack' is not one of the choices"],
    }
    shown = {f.path: f.shown for f in form.all_fields()}
    assert (shown["mileage"], shown["inspected_on"], shown["plate"]) == ("lots", "2026-02-30", "HU12345")


def test_a_choice_posted_twice_counts_once_and_stays_ticked():
    form = appraisal_form()
    data = form.convert(posted(valid_appraisal(extras=["sunroof", "sunroof"])))
    extras = next(f for f in form.fields if f.path == "extras")
    assert data["extras"] == ["sunroof"]
    assert [o.key for o in extras.options if o.selected] == ["sunroof"]


def test_control_characters_are_refused():
    form = appraisal_form()
    form.convert(posted(valid_appraisal(notes="nul\x00byte")))
    assert form.all_fields()[-1].errors == ["contains control characters; type plain text"]


def test_a_date_time_with_its_own_offset_keeps_it():
    data = appraisal_form().convert(posted(valid_appraisal(handover_at="2026-11-30T10:30:00+01:00")))
    assert data["handover_at"] == "2026-11-30T10:30:00+01:00"


def test_engine_errors_land_beside_the_field_their_path_names():
    form = appraisal_form()
    form.add_errors(
        {
            "owner.name": ["this field is required"],
            "extras.1": ["not allowed"],
            "plate": ["'" + "A" * 5000 + "' is too long"],
            "colour_code": ["unknown field"],
            "notes": ["'" + "B" * 5000 + "' is not valid under any of the given schemas"],
            "": ["the submission is larger than 64 KB"],
        }
    )
    errors = {f.path: f.errors for f in form.all_fields() if f.errors}
    assert errors == {
        "owner.name": ["this field is required"],
        "extras": ["not allowed"],
        "plate": ["is too long: at most 8 characters"],
        "notes": ["'" + "B" * 60 + "…' is not valid under any of the given schemas"],
    }
    assert form.form_errors == ["colour_code: unknown field", "the submission is larger than 64 KB"]


def test_process_values_fill_the_form_and_date_times_show_in_local_time():
    form = appraisal_form(
        {
            "customer_name": "Wang Fang",
            "mileage": 1200,
            "handover_at": "2026-11-30T02:30:00+00:00",
            "condition": "fair",
            "owner": {"name": "Zhao Lei"},
        }
    )
    fields = {f.path: f for f in form.all_fields()}
    assert fields["customer_name"].display == "Wang Fang"
    assert (fields["mileage"].shown, fields["handover_at"].shown) == ("1200", "2026-11-30T10:30")
    assert [o.key for o in fields["condition"].options if o.selected] == ["fair"]
    assert fields["owner.name"].shown == "Zhao Lei"


@pytest.mark.parametrize(
    ("schema", "named"),
    [
        ({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}, "'tags'"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object", "properties": {"b": {"type": "object", "properties": {}}}}},
            },
            "'a.b'",
        ),
        ({"type": "object", "properties": {"blob": {"type": "null"}}}, "'blob'"),
    ],
)
def test_a_schema_the_page_cannot_show_is_refused_naming_the_field(schema, named):
    with pytest.raises(UnsupportedForm, match=named):
        TaskForm(schema)
