"""The SMS gateway: one interface, a backend named in settings.

- ``FileBackend`` (the default) writes each message as a JSON file under var/, so ``make run`` and
  the tests need no provider.
- ``AliyunBackend`` sends through Alibaba Cloud's SMS API (``SendSms``, RPC signature v1). Chinese
  providers send only templates registered with them, so each message kind maps to a template code
  (settings ``LOTFLOW_CARE["ALIYUN"]["TEMPLATES"]``) and the provider gets the placeholders' values.

A backend raises ``Rejected`` when the provider refuses the message for good (a phone it does not
accept, a template it does not know: retrying changes nothing) and ``Unavailable`` when trying again
later may work (network, throttling, the provider's own errors).
"""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib import error, parse, request

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .conf import care_settings


class SmsError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Rejected(SmsError):
    """The provider will never take this message."""


class Unavailable(SmsError):
    """The provider could not take it now; try again later."""


class Backend(Protocol):
    def send(self, *, to: str, text: str, template_key: str, params: dict[str, Any]) -> str:
        """Hand one message over; return the provider's id for it (delivery receipts name it)."""


def backend() -> Backend:
    conf = care_settings()
    cls = import_string(conf["SMS_BACKEND"])
    return cls(conf)  # type: ignore[no-any-return]


def _mobile(to: str) -> str:
    digits = "".join(ch for ch in to if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or not digits.startswith("1"):
        raise Rejected(_("%(phone)s is not a mainland mobile number; SMS cannot reach it.") % {"phone": to})
    return digits


class FileBackend:
    """Writes each message to ``<SMS_OUTBOX_DIR>/<id>.json``: what a provider would have been sent."""

    def __init__(self, conf: dict[str, Any]) -> None:
        self.folder = Path(conf["SMS_OUTBOX_DIR"])

    def send(self, *, to: str, text: str, template_key: str, params: dict[str, Any]) -> str:
        number = _mobile(to)
        self.folder.mkdir(parents=True, exist_ok=True)
        provider_id = uuid.uuid4().hex
        record = {"id": provider_id, "to": number, "text": text, "template": template_key, "params": params}
        (self.folder / f"{provider_id}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        return provider_id


# Aliyun's answer codes that mean "later" (everything else that is not OK is a refusal).
_ALIYUN_TRANSIENT = {"isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "Throttling", "ServiceUnavailable"}


def _aliyun_quote(value: str) -> str:
    # RFC 3986 as Aliyun's RPC signature wants it: only A-Z a-z 0-9 - _ . ~ stay as they are.
    return parse.quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Alibaba Cloud's RPC signature (version 1.0, HMAC-SHA1) of a request's parameters."""
    query = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_aliyun_quote('/')}&{_aliyun_quote(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    """Alibaba Cloud SMS (dysmsapi ``SendSms``). Settings: ``LOTFLOW_CARE["ALIYUN"]``."""

    def __init__(self, conf: dict[str, Any]) -> None:
        self.conf = conf["ALIYUN"]
        self.timeout = float(self.conf.get("TIMEOUT", 10))

    def send(self, *, to: str, text: str, template_key: str, params: dict[str, Any]) -> str:
        number = _mobile(to)
        code = self.conf["TEMPLATES"].get(template_key)
        if not code:
            raise Rejected(_("No Aliyun template code is set for “%(key)s”.") % {"key": template_key})
        fields = {
            "AccessKeyId": self.conf["ACCESS_KEY_ID"],
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": number,
            "RegionId": self.conf.get("REGION", "cn-hangzhou"),
            "SignName": self.conf["SIGN_NAME"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": code,
            "TemplateParam": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        fields["Signature"] = aliyun_signature(fields, self.conf["ACCESS_KEY_SECRET"])
        body = parse.urlencode(fields).encode()
        req = request.Request(
            self.conf["ENDPOINT"], data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with request.urlopen(req, timeout=self.timeout) as response:  # the endpoint is a setting
                answer = json.loads(response.read().decode() or "{}")
        except error.HTTPError as err:
            try:
                answer = json.loads(err.read().decode() or "{}")
            except ValueError:
                answer = {}
            if err.code >= 500 or not answer.get("Code"):
                raise Unavailable(_("The SMS provider answered HTTP %(status)s.") % {"status": err.code}) from err
        except (error.URLError, TimeoutError, OSError, ValueError) as err:
            raise Unavailable(_("The SMS provider could not be reached: %(error)s") % {"error": err}) from err
        status = str(answer.get("Code", ""))
        if status == "OK":
            return str(answer.get("BizId", ""))
        reason = f"{status}: {answer.get('Message', '')}"
        if status in _ALIYUN_TRANSIENT:
            raise Unavailable(reason)
        raise Rejected(reason)
