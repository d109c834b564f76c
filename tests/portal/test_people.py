"""Colleagues are named the way people say their names."""

from django.contrib.auth import get_user_model

from portal.ui.people import display_name


def _user(username, given="", family=""):
    return get_user_model()(username=username, first_name=given, last_name=family)


def test_a_chinese_name_reads_family_name_first_without_a_space():
    assert display_name(_user("pudong_sales1", given="建华", family="王")) == "王建华"


def test_a_latin_name_reads_given_name_first():
    assert display_name(_user("wli", given="Wei", family="Li")) == "Wei Li"


def test_a_colleague_without_a_recorded_name_is_shown_by_their_login():
    assert display_name(_user("hq")) == "hq"
    assert display_name(None) == ""
