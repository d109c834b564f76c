"""Model fields stored sealed (portal.crm.crypto): the code reads and writes plain values, the table holds ciphertext.

The column is text whatever the field (a sealed value is longer than the clear one); ``max_length`` and the
field's own checks still apply to the clear value in forms and ``full_clean``. Sealed values cannot be compared
in SQL: the only lookups allowed are against "" and NULL (an empty value is stored as it is); a search goes
through a keyed hash kept beside the value.
"""

import datetime
import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from .. import crypto


class BlankOnlyExact(Exact):
    """``field=""`` (is it empty?) works; any other value would be compared with a random ciphertext."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(f"{self.lhs.target.name} is encrypted: compare it with '' only, search by its keyed hash")
        return self.rhs


class EncryptedMixin:
    """Seals on the way to the database, opens on the way back; ``purpose`` is ``app.model.field``."""

    def purpose(self) -> str:
        meta = self.model._meta  # type: ignore[attr-defined]
        return f"{meta.app_label}.{meta.model_name}.{self.name}"  # type: ignore[attr-defined]

    def db_type(self, connection: Any) -> str:
        return connection.data_types["TextField"]

    def get_internal_type(self) -> str:
        return "TextField"  # what the column holds; also keeps the backends' date and JSON converters off it

    def get_lookup(self, lookup_name: str) -> Any:
        return {"exact": BlankOnlyExact, "isnull": IsNull}.get(lookup_name)

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)  # type: ignore[attr-defined]
        if value is None or value == "":
            return value
        return crypto.seal_text(self.to_text(value), self.purpose())

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.from_text(crypto.open_text(value, self.purpose()))


class EncryptedCharField(EncryptedMixin, models.CharField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedDateField(EncryptedMixin, models.DateField):
    def to_text(self, value: datetime.date) -> str:
        return value.isoformat()

    def from_text(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    """A JSON value sealed whole; it cannot be queried by its keys."""

    def db_type(self, connection: Any) -> str:
        return connection.data_types["TextField"]

    def db_check(self, connection: Any) -> None:
        return None  # the column holds a sealed value, not JSON

    def to_text(self, value: Any) -> str:
        return json.dumps(value, cls=self.encoder, ensure_ascii=False)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        return crypto.seal_text(self.to_text(value), self.purpose())

    def from_text(self, text: str) -> Any:
        return json.loads(text, cls=self.decoder)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.from_text(crypto.open_text(value, self.purpose()))
