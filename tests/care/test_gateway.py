"""The Aliyun SMS adapter against a fake provider on a real local socket: sent, refused, retried then failed."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

import pytest

from portal.care.models import Message, MessageStatus
from portal.care.outbox import queue_message
from workers.tasks import send_message

SECRET = "fake-secret"


class FakeAliyun(BaseHTTPRequestHandler):
    answers: list = []  # (http status, JSON body) per request, the last one repeated
    seen: list = []

    def do_POST(self):
        fields = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        type(self).seen.append(fields)
        status, body = self.answers[min(len(self.seen) - 1, len(self.answers) - 1)]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    FakeAliyun.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LOTFLOW_CARE = {
        **settings.LOTFLOW_CARE,
        "SMS_BACKEND": "portal.care.sms.AliyunBackend",
        "ALIYUN": {
            "ENDPOINT": f"http://127.0.0.1:{server.server_port}/",
            "ACCESS_KEY_ID": "fake-id",
            "ACCESS_KEY_SECRET": SECRET,
            "SIGN_NAME": "LotFlow",
            "TEMPLATES": {"birthday_greeting": "SMS_0001"},
            "TIMEOUT": 5,
        },
    }
    yield FakeAliyun
    server.shutdown()
    server.server_close()


def _expected_signature(fields: dict) -> str:
    params = {k: v for k, v in fields.items() if k != "Signature"}
    enc = lambda s: quote(s, safe="-_.~")  # noqa: E731
    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&%2F&{enc(query)}"
    return base64.b64encode(hmac.new(f"{SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def test_sent_through_the_provider_with_a_signed_request(provider, book):
    provider.answers = [(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})]
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="b:1")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (MessageStatus.SENT, "900619746936498440^0")
    (fields,) = provider.seen
    assert fields["TemplateCode"] == "SMS_0001"
    assert json.loads(fields["TemplateParam"]) == {"customer_name": "李伟", "store_name": "上海浦东店"}
    assert fields["Signature"] == _expected_signature(fields)


def test_a_phone_the_provider_rejects_fails_at_once_with_its_reason(provider, book):
    provider.answers = [(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})]
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="b:2")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.reason == "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号"
    assert len(provider.seen) == 1


def test_a_provider_down_is_retried_then_the_message_shows_failed(provider, book, as_user, crm_people):
    provider.answers = [(503, {}), (200, {"Code": "isp.SYSTEM_ERROR", "Message": "busy"})]
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="b:3")
    send_message.apply(args=[message.pk])  # eager: the retries run at once (3 attempts in the tests' settings)
    message.refresh_from_db()
    assert (message.status, message.attempts, len(provider.seen)) == (MessageStatus.FAILED, 3, 3)
    assert message.reason == "isp.SYSTEM_ERROR: busy"
    page = as_user(crm_people["sales"]).get(f"/crm/customers/{book['mine'].pk}/")
    assert "Failed" in page.content.decode() and "isp.SYSTEM_ERROR: busy" in page.content.decode()


def test_a_retry_that_succeeds_sends_once(provider, book):
    provider.answers = [(503, {}), (200, {"Code": "OK", "BizId": "42"})]
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="b:4")
    send_message.apply(args=[message.pk])
    send_message.apply(args=[message.pk])  # a redelivered task: nothing more
    message.refresh_from_db()
    assert (message.status, message.attempts, len(provider.seen)) == (MessageStatus.SENT, 2, 2)


def test_a_kind_without_a_provider_template_fails_naming_it(provider, book):
    provider.answers = [(200, {"Code": "OK"})]
    message = queue_message(book["mine"], "maintenance_reminder", {}, dedupe_key="m:1")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "maintenance_reminder" in message.reason
    assert provider.seen == []
    assert Message.objects.count() == 1
