"""Admins' second factor (portal/second_factor.py): enrolment first, then a code after every password.

The suite runs with the second factor off (tests/settings.py); these tests turn it on with the ``settings``
fixture and sign in through the real login page. django-otp's throttle (a growing wait after each wrong code) is
off here except where a test says so, so that a right code may follow a wrong one at once.
"""

import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers import make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "harbour-lights-42"
VERIFY = "/account/second-factor/"
ENROL = "/account/second-factor/enrol/"
ADMINS = "/account/second-factor/admins/"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.LOTFLOW_ADMIN_SECOND_FACTOR = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def _wrong_code(device: TOTPDevice) -> str:
    near = {_code(device, offset) for offset in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(123456, 999999) if f"{n:06d}" not in near)


def _sign_in(user) -> Client:
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def _enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_an_admin_without_a_device_must_enrol_before_any_page(crm_people):
    admin = crm_people["admin"]
    client = _sign_in(admin)

    for page in ("/", "/crm/customers/", "/crm/staff/", "/studio/", "/admin/"):
        answer = client.get(page)
        assert answer.status_code == 302 and answer["Location"].startswith(ENROL), page
    assert client.get("/api/v1/customers").status_code == 403

    enrol = client.get(answer["Location"])
    body = enrol.content.decode()
    device = TOTPDevice.objects.get(user=admin)
    assert not device.confirmed
    assert "otpauth://totp/LotFlow%3Aadmin?secret=" in body and 'src="data:image/svg+xml;base64,' in body
    secret_start = device.config_url.split("secret=")[1][:4]
    assert f'<code class="secret" aria-label="Secret key">{secret_start} ' in body  # in groups of four

    refused = client.post(ENROL, {"code": _wrong_code(device), "next": "/crm/customers/"})
    assert refused.status_code == 200 and "not right" in refused.content.decode()
    assert client.get("/").status_code == 302

    done = client.post(ENROL, {"code": _code(device), "next": "/crm/customers/"})
    assert done.status_code == 302 and done["Location"] == "/crm/customers/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert client.get("/crm/customers/").status_code == 200


def test_an_admin_with_a_device_types_the_code_after_the_password(crm_people):
    admin = crm_people["admin"]
    device = _enrolled(admin)
    client = _sign_in(admin)

    asked = client.get("/crm/vehicles/")
    assert asked.status_code == 302 and asked["Location"] == f"{VERIFY}?next=%2Fcrm%2Fvehicles%2F"
    assert client.get(asked["Location"]).status_code == 200
    assert client.get(ENROL).status_code == 302  # a password alone never enrols a second phone

    passed = client.post(VERIFY, {"code": " ".join([_code(device)[:3], _code(device)[3:]]), "next": "/crm/vehicles/"})
    assert passed.status_code == 302 and passed["Location"] == "/crm/vehicles/"
    assert client.get("/crm/vehicles/").status_code == 200
    assert client.get(VERIFY).status_code == 302  # already verified: on to the page


def test_the_next_page_after_the_code_is_only_one_of_ours(crm_people):
    admin = crm_people["admin"]
    device = _enrolled(admin)
    client = _sign_in(admin)
    passed = client.post(VERIFY, {"code": _code(device), "next": "https://evil.example/login"})
    assert passed["Location"] == "/"


def test_wrong_codes_are_refused_counted_logged_and_the_fifth_signs_out(crm_people, caplog):
    admin = crm_people["admin"]
    device = _enrolled(admin)
    client = _sign_in(admin)
    wrong = _wrong_code(device)

    with caplog.at_level(logging.WARNING, logger="lotflow.accounts"):
        for left in (4, 3, 2, 1):
            answer = client.post(VERIFY, {"code": wrong})
            assert answer.status_code == 200
            assert f"{left} tries left" in answer.content.decode()
        assert client.get("/").status_code == 302  # still not in
        last = client.post(VERIFY, {"code": wrong}, follow=True)

    assert last.redirect_chain[-1][0] == "/login/"
    assert "Too many wrong codes" in last.content.decode()
    assert "_auth_user_id" not in client.session
    failures = [r for r in caplog.records if "wrong second-factor code for admin" in r.getMessage()]
    assert len(failures) == 5
    # Signed out means out: the right code no longer helps this session.
    assert client.post(VERIFY, {"code": _code(device)}).status_code == 404


def test_a_malformed_code_says_what_a_code_is_and_is_not_counted(crm_people):
    admin = crm_people["admin"]
    _enrolled(admin)
    client = _sign_in(admin)
    answer = client.post(VERIFY, {"code": "12ab"})
    assert "6 digits" in answer.content.decode()
    assert "lotflow_second_factor_failures" not in client.session


def test_django_otp_throttle_makes_a_guesser_wait_without_using_up_tries(crm_people, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    admin = crm_people["admin"]
    device = _enrolled(admin)
    client = _sign_in(admin)
    client.post(VERIFY, {"code": _wrong_code(device)})
    answer = client.post(VERIFY, {"code": _code(device)})
    assert answer.status_code == 200 and "wait" in answer.content.decode()
    assert client.session["lotflow_second_factor_failures"] == 1


def test_a_non_admin_is_not_asked_for_anything(crm_people):
    for name in ("sales", "manager", "hq"):
        client = _sign_in(crm_people[name])
        assert client.get("/").status_code == 200, name
        assert client.get(VERIFY).status_code == 404
        assert client.get(ENROL).status_code == 404
        assert client.get(ADMINS).status_code == 404
    assert not TOTPDevice.objects.exists()


def test_a_superuser_without_the_admin_role_needs_it_too(db):
    root = make_staff("root", None, [("hq", True)])
    root.is_superuser = True
    root.save()
    client = _sign_in(root)
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_another_admin_resets_a_lost_phone_and_it_is_recorded(crm_people):
    lost = crm_people["admin"]
    lost_device = _enrolled(lost)
    colleague = make_staff("admin2", None, [("admin", True)])
    colleague_device = _enrolled(colleague)
    lost_client = _sign_in(lost)
    assert lost_client.post(VERIFY, {"code": _code(lost_device)}).status_code == 302
    assert lost_client.get("/").status_code == 200
    helper = _sign_in(colleague)
    assert helper.post(VERIFY, {"code": _code(colleague_device)}).status_code == 302

    page = helper.get(ADMINS).content.decode()
    assert f"/account/second-factor/admins/{lost.pk}/reset/" in page
    assert f"/account/second-factor/admins/{colleague.pk}/reset/" not in page  # not oneself
    done = helper.post(f"/account/second-factor/admins/{lost.pk}/reset/", follow=True)

    assert done.status_code == 200 and "is reset" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=lost).exists()
    entry = LogEntry.objects.get(object_id=str(lost.pk))
    assert entry.user_id == colleague.pk and entry.change_message == "second factor reset"
    # The session verified with the lost phone is verified no more: set up again before anything else.
    assert lost_client.get("/")["Location"].startswith(ENROL)


def test_nobody_else_resets_a_second_factor(crm_people):
    admin = crm_people["admin"]
    device = _enrolled(admin)
    for name in ("sales", "manager", "hq"):
        client = _sign_in(crm_people[name])
        assert client.post(f"/account/second-factor/admins/{admin.pk}/reset/").status_code == 404
    # An admin who has only typed the password may not reset anyone either.
    other_admin = make_staff("admin2", None, [("admin", True)])
    _enrolled(other_admin)
    unverified = _sign_in(other_admin)
    assert unverified.post(f"/account/second-factor/admins/{admin.pk}/reset/").status_code == 302
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_pages_speak_chinese(crm_people):
    admin = crm_people["admin"]
    admin.staff.language = "zh-hans"
    admin.staff.save()
    client = _sign_in(admin)
    enrol = client.get(ENROL).content.decode()
    assert "设置身份验证器" in enrol and "验证码" in enrol
    wrong = client.post(ENROL, {"code": "000000"}).content.decode()
    assert "验证码不正确" in wrong


def test_the_suite_turns_it_off_so_force_login_admins_keep_working(crm_people, settings):
    settings.LOTFLOW_ADMIN_SECOND_FACTOR = False
    client = Client()
    client.force_login(crm_people["admin"])
    assert client.get("/").status_code == 200
    assert client.get(VERIFY).status_code == 404


def test_manage_py_resets_the_only_admin(crm_people, caplog):
    from django.core.management import CommandError, call_command

    admin = crm_people["admin"]
    _enrolled(admin)
    with caplog.at_level(logging.WARNING, logger="lotflow.accounts"):
        call_command("second_factor_reset", "admin")
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert any("reset by manage.py" in r.getMessage() for r in caplog.records)
    with pytest.raises(CommandError, match="sales"):
        call_command("second_factor_reset", "sales")  # not an admin: nothing to reset
