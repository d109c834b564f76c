"""The customer search index: which terms find a customer, and what a typed query asks for.

Chinese names are two to four characters and people type any part of them (超娟, 娟), which
neither SQLite's FTS5 trigram tokenizer nor PostgreSQL's pg_trgm serves from an index
under three characters. So, as Lucene's CJK analyzer does, every run of Chinese characters
is indexed as its single characters and character pairs, and a query's Chinese run is
looked up by its pairs (or its one character); a longer run must have all of its pairs.

A customer's terms (table ``SearchTerm``, one row per term):

- their name: characters and pairs; the pinyin of the whole name and of the given name, and
  their initials (刘超娟: liuchaojuan, chaojuan, lcj, cj), each with every beginning of two
  letters or more (li, liu, liuc, ...), and the whole name's first letter; so a Latin word
  typed is always one exact look-up, never a range to collect and sort;
- the brands they want (``Customer.brands``) and the brand and model of their cars, in
  English and Chinese (portal.crm.brands): 丰田 and toyota both find a Toyota buyer;
- their cars' plates, as the 4-character pieces of the normalized plate marked ``#``, so
  any four or more consecutive characters of a plate find it (every piece must match);
- the last four digits of each phone, as a keyed hash (portal.crm.crypto) marked ``%``: phones are
  stored sealed, and the index must not hold them in clear either. A plate's pieces of four digits are
  kept the same way, so "0019" typed is still one term whether it ends a phone or is part of a plate.
  A whole phone number is found by its keyed hash in ``CustomerPhone``, an ID number by its keyed hash
  in ``Customer``, a VIN in ``Vehicle``. Other parts of a phone find nothing.

A query is split into conditions that must all hold (portal.crm.selectors.customer_search
applies them with ``matching``); each condition is one join on the (term, customer) index,
and the page comes newest first by walking the rarest condition's index backwards.
The index is kept in step by the signals below, inside the transaction that saves the
customer, a phone or a car; ``manage.py search_reindex`` rebuilds it.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_init, post_save
from django.utils.translation import gettext as _

from . import crypto
from .brands import BRANDS, brand_names, model_names
from .fsm import status_changed
from .identifiers import plate_normalize
from .models import Customer, CustomerPhone, SearchTerm, Vehicle
from .names import name_syllables

QUERY_MAX = 100  # characters; a longer search is refused with a message, not cut silently
TERM_MAX = SearchTerm._meta.get_field("term").max_length or 40
# Plate pieces and the last four digits of phones share one mark: "0019" typed is then one
# term (an ordered walk of one index range) whichever it is, never a list of terms that the
# planner may answer by reading the whole table in customer order (PostgreSQL did: 1.7 s).
PLATE_MARK = "#"
# Four digits (a phone's last four, or part of a plate), as a keyed hash: ``%<key id>:<hex>``.
DIGITS_MARK = "%"
DIGITS_HASH_LENGTH = 24  # hex characters: 96 bits, and the term stays within TERM_MAX
PLATE_PIECE = 4
_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_WORDS = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
_HAN_RUN = re.compile(rf"[{_HAN}]+")


# --- what a customer is found by --------------------------------------------------


def han_terms(run: str) -> set[str]:
    """A run of Chinese characters: each character and each adjacent pair."""
    return set(run) | {run[i : i + 2] for i in range(len(run) - 1)}


def word_terms(word: str, *, first_letter: bool = False) -> set[str]:
    """A Latin word (lower case letters and digits): the word and every beginning of it from two
    letters on, so that typing part of a word is one exact look-up, newest first, like any term."""
    word = word[:TERM_MAX]
    terms = {word} | {word[:n] for n in range(2, len(word))}
    if first_letter:
        terms.add(word[0])
    return terms


def text_terms(text: str) -> set[str]:
    """Any text (a brand, a model): Chinese runs as characters and pairs, the rest as words."""
    terms: set[str] = set()
    for run in _WORDS.findall(text.casefold()):
        terms |= han_terms(run) if _HAN_RUN.fullmatch(run) else word_terms(run)
    return terms


def name_terms(name: str) -> set[str]:
    terms: set[str] = set()
    for run in _HAN_RUN.findall(name):
        terms |= han_terms(run)
    syllables = ["".join(_WORDS.findall(s)) for s in name_syllables(name)]
    syllables = [s for s in syllables if s and not _HAN_RUN.fullmatch(s)]
    if not syllables:
        return terms
    terms |= word_terms("".join(syllables), first_letter=True)
    terms |= word_terms("".join(s[0] for s in syllables))
    if len(syllables) > 1:
        terms |= word_terms("".join(syllables[1:]))
        terms |= word_terms("".join(s[0] for s in syllables[1:]))
        for word in syllables:  # "Anna Wang": anna and wang on their own
            terms |= word_terms(word)
    return terms


def digits_term(digits: str, key: crypto.DataKey | None = None) -> str:
    """Four digits as the search index keeps them, under the current data key (or ``key``)."""
    return DIGITS_MARK + crypto.keyed_hash("digits", digits, key=key, length=DIGITS_HASH_LENGTH)


def piece_term(piece: str) -> str:
    return digits_term(piece) if piece.isdigit() else PLATE_MARK + piece


def piece_condition(piece: str) -> list[str]:
    """What a typed piece matches: itself, or four digits under every key of the ring (during a rotation)."""
    return [digits_term(piece, key) for key in crypto.ring()] if piece.isdigit() else [PLATE_MARK + piece]


def plate_pieces(plate: str) -> list[str]:
    plate = plate_normalize(plate)
    return sorted({plate[i : i + PLATE_PIECE] for i in range(len(plate) - PLATE_PIECE + 1)})


def plate_terms(plate: str) -> set[str]:
    return {piece_term(piece) for piece in plate_pieces(plate)}


def car_terms(brand: str, model: str, plate: str) -> set[str]:
    terms = plate_terms(plate) if plate else set()
    for name in brand_names(brand) + model_names(brand, model):
        terms |= text_terms(name)
    return terms


def customer_terms(
    name: str, brands: str, cars: Iterable[tuple[str, str, str]], last4s: Iterable[str] = ()
) -> set[str]:
    """Every term a customer is found by: ``cars`` are (brand, model, plate) of their vehicles,
    ``last4s`` the last four digits of their phones."""
    terms = name_terms(name) | {digits_term(last4) for last4 in last4s}
    for brand in brands.split(","):
        if brand.strip():
            for each in brand_names(brand):
                terms |= text_terms(each)
    for brand, model, plate in cars:
        terms |= car_terms(brand, model, plate)
    return {term[:TERM_MAX] for term in terms}


def customer_reindex(customer_ids: Iterable[int | None]) -> None:
    """Bring the terms of these customers in line with their name, brands and cars.

    Call inside the transaction that changed them (the signals below do); writes only the
    difference, so saving a customer whose name and cars did not change writes nothing.
    """
    ids = sorted({pk for pk in customer_ids if pk is not None})
    if not ids:
        return
    cars: dict[int, list[tuple[str, str, str]]] = {pk: [] for pk in ids}
    for customer_id, brand, model, plate in Vehicle.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "brand", "model", "plate"
    ):
        cars[customer_id].append((brand, model, plate))
    last4s: dict[int, list[str]] = {pk: [] for pk in ids}
    for customer_id, number in CustomerPhone.objects.filter(customer_id__in=ids).values_list("customer_id", "number"):
        last4s[customer_id].append(number[-4:])
    have: dict[int, set[str]] = {pk: set() for pk in ids}
    for customer_id, term in SearchTerm.objects.filter(customer_id__in=ids).values_list("customer_id", "term"):
        have[customer_id].add(term)
    stale: list[Q] = []
    fresh: list[SearchTerm] = []
    for pk, name, brands in Customer.objects.filter(pk__in=ids).values_list("pk", "name", "brands"):
        wanted = customer_terms(name, brands, cars[pk], last4s[pk])
        if gone := have[pk] - wanted:
            stale.append(Q(customer_id=pk, term__in=sorted(gone)))
        fresh += [SearchTerm(customer_id=pk, term=term) for term in sorted(wanted - have[pk])]
    for condition in stale:
        SearchTerm.objects.filter(condition).delete()
    SearchTerm.objects.bulk_create(fresh, batch_size=500)


def search_rebuild(batch: int = 2000) -> int:
    """Rebuild every customer's terms (``manage.py search_reindex``); returns how many customers."""
    done = 0
    last = 0
    while True:
        ids = list(Customer.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        customer_reindex(ids)
        done += len(ids)
        last = ids[-1]


# --- keeping it in step ----------------------------------------------------------------


# Read from __dict__: a deferred field is not loaded (a query per row, and a loop in post_init);
# a row loaded without them counts as changed when saved, which costs one look-up.
def _customer_source(customer: Customer) -> tuple[Any, ...]:
    return (customer.__dict__.get("name"), customer.__dict__.get("brands"))


def _remember_customer(sender: Any, instance: Customer, **kwargs: Any) -> None:
    instance._search_source = _customer_source(instance)  # type: ignore[attr-defined]


def _customer_saved(sender: Any, instance: Customer, created: bool, **kwargs: Any) -> None:
    source = _customer_source(instance)
    if created or None in source or getattr(instance, "_search_source", None) != source:
        customer_reindex([instance.pk])
    instance._search_source = source  # type: ignore[attr-defined]


def _vehicle_source(vehicle: Vehicle) -> tuple[Any, ...]:
    return tuple(vehicle.__dict__.get(field) for field in ("customer_id", "brand", "model", "plate"))


def _remember_vehicle(sender: Any, instance: Vehicle, **kwargs: Any) -> None:
    instance._search_source = _vehicle_source(instance)  # type: ignore[attr-defined]


def _vehicle_saved(sender: Any, instance: Vehicle, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_search_source", None)
    now = _vehicle_source(instance)
    if created or before != now or None in now[1:]:
        customer_reindex([now[0], before[0] if before else None])
    instance._search_source = now  # type: ignore[attr-defined]


def _vehicle_deleted(sender: Any, instance: Vehicle, **kwargs: Any) -> None:
    customer_reindex([instance.customer_id] if instance.customer_id else [])


def _vehicle_moved(sender: Any, instance: Vehicle, before: dict[str, Any], **kwargs: Any) -> None:
    """A transition that writes a car's buyer with its status (a delivery: fsm.transition_apply's
    UPDATE sends no post_save)."""
    if {"customer", "brand", "model", "plate"} & set(before):
        old = before.get("customer")
        customer_reindex([instance.customer_id, getattr(old, "pk", old)])
    instance._search_source = _vehicle_source(instance)  # type: ignore[attr-defined]


def _phone_changed(sender: Any, instance: CustomerPhone, **kwargs: Any) -> None:
    customer_reindex([instance.customer_id])


status_changed.connect(_vehicle_moved, sender=Vehicle, dispatch_uid="search_vehicle_moved")
post_save.connect(_phone_changed, sender=CustomerPhone, dispatch_uid="search_phone_saved")
post_delete.connect(_phone_changed, sender=CustomerPhone, dispatch_uid="search_phone_deleted")
post_init.connect(_remember_customer, sender=Customer, dispatch_uid="search_customer_init")
post_save.connect(_customer_saved, sender=Customer, dispatch_uid="search_customer_saved")
post_init.connect(_remember_vehicle, sender=Vehicle, dispatch_uid="search_vehicle_init")
post_save.connect(_vehicle_saved, sender=Vehicle, dispatch_uid="search_vehicle_saved")
post_delete.connect(_vehicle_deleted, sender=Vehicle, dispatch_uid="search_vehicle_deleted")


# --- what a query asks for ---------------------------------------------------------------


def _is_plate(text: str) -> bool:
    """Part of a plate: 4 to 12 letters and digits with a digit, after an optional province
    character; "王 0777" (a name and a number) is not one, "沪A 12345" is."""
    plate = plate_normalize(text)
    if not (PLATE_PIECE <= len(plate) <= 12) or not any(ch.isdigit() for ch in plate):
        return False
    if not re.fullmatch(rf"[{_HAN}]?[A-Z0-9]+", plate):
        return False
    return not re.search(r"\s", text) or bool(re.match(rf"[{_HAN}]\s*[A-Za-z]", text.strip()))


def _word_conditions(word: str) -> list[list[str]]:
    """One query word (lower case) as conditions, each a list of terms any of which will do."""
    if _HAN_RUN.fullmatch(word):
        return [[pair] for pair in sorted(han_terms(word) - set(word))] if len(word) > 1 else [[word]]
    word = word[:TERM_MAX]
    if len(word) == PLATE_PIECE and word.isdigit():  # last four of a phone, or part of a plate
        return [piece_condition(word)]
    if len(word) == PLATE_PIECE and any(ch.isdigit() for ch in word):  # a model (rav4) or part of a plate
        return [[word]] if word in _MODEL_WORDS else [[PLATE_MARK + word.upper()]]
    if len(word) > PLATE_PIECE and any(ch.isdigit() for ch in word):
        return [piece_condition(piece) for piece in plate_pieces(word)]
    return [[word]]


_MODEL_WORDS = {
    term
    for english, (_, models) in BRANDS.items()
    for name in (english, *models, *models.values())
    for term in text_terms(name)
}


def _rarity(condition: list[str]) -> int:
    """A guess at how few customers a condition matches (lower: fewer), to look the rarest up first."""
    term = condition[0]
    if term[0] in (PLATE_MARK, DIGITS_MARK) or len(condition) > 1:
        return 0
    if _HAN_RUN.fullmatch(term):
        return 1 if len(term) > 1 else 3
    return 2 if len(term) >= 5 else 4


def query_conditions(text: str) -> list[list[str]]:
    """What a query asks for: conditions that must all hold, each a list of terms any of which will
    do, rarest first. Empty if the query has nothing to search by (only punctuation)."""
    if _is_plate(text):
        plate = plate_normalize(text)
        if len(plate) == PLATE_PIECE:
            return _word_conditions(plate.casefold())
        return [piece_condition(piece) for piece in plate_pieces(plate)]
    conditions: list[list[str]] = []
    for word in dict.fromkeys(_WORDS.findall(text.casefold())):
        conditions += [c for c in _word_conditions(word) if c not in conditions]
    return sorted(conditions, key=_rarity)


def query_check(query: str) -> str:
    """The query without surrounding spaces; a ValidationError (field ``q``) if it is too long."""
    text = query.strip()
    if len(text) > QUERY_MAX:
        raise ValidationError(
            {
                "q": _("A search can be at most %(limit)d characters; this one has %(length)d.")
                % {"limit": QUERY_MAX, "length": len(text)}
            }
        )
    return text


def matching(rows: QuerySet[Customer], conditions: list[list[str]]) -> QuerySet[Customer]:
    """``rows`` that meet every condition, newest first.

    Each condition is its own join on the (term, customer) index; ordering by the first
    (rarest) join's customer id lets both databases walk that index backwards and stop at
    the first page, instead of collecting every match and sorting it.
    """
    for terms in conditions:
        rows = (
            rows.filter(search_terms__term=terms[0]) if len(terms) == 1 else rows.filter(search_terms__term__in=terms)
        )
    return rows.order_by("-search_terms__customer_id") if conditions else rows.none()
