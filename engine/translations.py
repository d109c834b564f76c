"""Texts of process and form files in the reader's language.

A BPMN file and its forms are drawn in one language (whatever the author
wrote) and carry their translations with them: ``name.<lang>`` and
``instructions.<lang>`` extension properties on an element (or
``<element id>:name.<lang>`` on the process, for a translator who keeps them
in one place), and a ``translations`` member in a form file. Deploy refuses a
translation of something that does not exist (docs/bpmn-vocabulary.md,
docs/forms.md). A reader sees the translation for their active language, or
the drawn text when there is none: a file without translations shows what was
drawn to everyone.
"""

import copy
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from lxml import etree

from .models import Deployment
from .vocabulary import FORMATS, fill_instructions, placeholders, unknown_formats

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TRANSLATED_PROPERTIES = ("name", "instructions")
FORM_PARTS = ("title", "description", "choices")
_KEY = re.compile(r"^(?:(?P<element>[^:]+):)?(?P<prop>[A-Za-z]+)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)$")


def language_code(code: str) -> str | None:
    """The language code settings.LANGUAGES knows ``code`` as (case does not matter), or None."""
    wanted = code.strip().lower().replace("_", "-")
    for known, _name in settings.LANGUAGES:
        if known.lower() == wanted:
            return known.lower()
    return None


def _language_hint() -> str:
    return ", ".join(sorted({code for code, _name in settings.LANGUAGES if code.lower() in _SHOWN_LANGUAGES}))


_SHOWN_LANGUAGES = {"zh-hans", "en"}


def active_language(language: str | None = None) -> str:
    return (language or translation.get_language() or settings.LANGUAGE_CODE).lower()


def pick(texts: dict[str, str] | None, language: str, drawn: str) -> str:
    """The text for ``language`` (or its base language, en-us → en), else what was drawn."""
    if not texts:
        return drawn
    found = texts.get(language) or texts.get(language.split("-")[0])
    return found if found else drawn


# -- BPMN -------------------------------------------------------------------


@dataclass
class ElementTexts:
    """element id -> language -> property -> text, and what each element draws."""

    texts: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    drawn: dict[str, dict[str, str]] = field(default_factory=dict)

    def text(self, element_id: str, prop: str, language: str, drawn: str) -> str:
        by_language = self.texts.get(element_id)
        if not by_language:
            return drawn
        return pick({lang: props[prop] for lang, props in by_language.items() if prop in props}, language, drawn)


def _drawn(element: Any) -> dict[str, str]:
    found = {}
    if (element.get("name") or "").strip():
        found["name"] = element.get("name").strip()
    instructions = element.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}instructionsForEndUser")
    if instructions is not None and (instructions.text or "").strip():
        found["instructions"] = instructions.text.strip()
    return found


def _format_problem(where: str, how: str) -> str:
    return f"{where}: unknown format |{how} in a placeholder (use {', '.join(FORMATS)})"


def bpmn_texts(tree: Any) -> tuple[ElementTexts, list[tuple[str, str]]]:
    """The translations a parsed BPMN file carries, and (element id, reason) for each refused one."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    found = ElementTexts()
    problems: list[tuple[str, str]] = []
    elements = {node.get("id"): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    for element_id, node in elements.items():
        if node.tag.startswith(f"{{{BPMN_NS}}}"):
            found.drawn[element_id] = _drawn(node)
    for element_id, drawn in found.drawn.items():
        for how in unknown_formats(drawn.get("instructions", "")):
            problems.append((element_id, _format_problem("instructions", how)))
    for prop_node in root.iter(f"{{{SPIFF_NS}}}property"):
        match = _KEY.match(prop_node.get("name") or "")
        if match is None:
            continue
        owner = _owner(prop_node)
        if owner is None:
            continue
        target, where = match["element"] or owner, owner
        name = prop_node.get("name")
        if match["prop"] not in TRANSLATED_PROPERTIES:
            problems.append((where, f"property {name!r}: only name and instructions are translated"))
            continue
        lang = language_code(match["lang"])
        if lang is None:
            problems.append((where, f"property {name!r}: unknown language {match['lang']!r} (use {_language_hint()})"))
            continue
        if target not in found.drawn:
            problems.append((where, f"property {name!r}: there is no element {target!r} in this file"))
            continue
        drawn = found.drawn[target]
        if match["prop"] not in drawn:
            problems.append((where, f"property {name!r}: element {target!r} has no {match['prop']} to translate"))
            continue
        text = (prop_node.get("value") or "").strip()
        if not text:
            problems.append((where, f"property {name!r}: the translation is empty"))
            continue
        if match["prop"] == "instructions" and unknown_formats(text):
            problems.append((where, _format_problem(f"property {name!r}", unknown_formats(text)[0])))
            continue
        if match["prop"] == "instructions":
            # A translation may take another key of a value the drawn text uses ({{ vehicle_names.zh }}
            # beside {{ vehicle_names.en }}); a data name the drawn text never uses is a slip.
            drawn_names = {path.split(".")[0] for path in placeholders(drawn["instructions"])}
            extra = sorted(path for path in set(placeholders(text)) if path.split(".")[0] not in drawn_names)
            if extra:
                problems.append(
                    (where, f"property {name!r}: uses {{{{ {extra[0]} }}}}, which the drawn instructions do not")
                )
                continue
        found.texts.setdefault(target, {}).setdefault(lang, {})[match["prop"]] = text
    return found, problems


def _owner(prop_node: Any) -> str | None:
    """The BPMN element whose extension properties hold ``prop_node``."""
    node = prop_node.getparent()
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag.startswith(f"{{{BPMN_NS}}}") and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def missing_bpmn_translations(tree: Any, language: str) -> list[tuple[str, str]]:
    """(element id, property) of each text a person reads (the process's name, a user task's
    name and instructions) without a ``language`` text: for the test that shipped files are
    complete. Other names (events, gateways, flows) label the diagram and may be translated too."""
    texts, _problems = bpmn_texts(tree)
    lang = language_code(language) or language
    read = {
        node.get("id")
        for node in tree.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask")
    }
    return [
        (element_id, prop)
        for element_id, drawn in texts.drawn.items()
        if element_id in read
        for prop in drawn
        if prop not in texts.texts.get(element_id, {}).get(lang, {})
    ]


# -- forms ------------------------------------------------------------------


def _fields(schema: dict, prefix: str = "") -> dict[str, dict]:
    """field path -> its schema, nested objects included."""
    found: dict[str, dict] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        found[f"{prefix}{name}"] = prop
        if prop.get("type") == "object":
            found.update(_fields(prop, prefix=f"{prefix}{name}."))
    return found


def _choices(prop: dict) -> list[Any]:
    target = prop["items"] if isinstance(prop.get("items"), dict) else prop
    values = list(target.get("enum") or [])
    for keyword in ("oneOf", "anyOf"):
        values += [a["const"] for a in target.get(keyword) or [] if isinstance(a, dict) and "const" in a]
    return values


def form_translation_problems(schema: dict) -> list[str]:
    """Why a form's ``translations`` cannot be used, one reason each, or []."""
    table = schema.get("translations")
    if table is None:
        return []
    if not isinstance(table, dict):
        return ['"translations" must be an object: language -> texts']
    fields = _fields(schema)
    problems = []
    for code, texts in table.items():
        where = f"translations.{code}"
        if language_code(code) is None:
            problems.append(f"{where}: unknown language {code!r} (use {_language_hint()})")
            continue
        if not isinstance(texts, dict):
            problems.append(f"{where}: must be an object")
            continue
        for key, value in texts.items():
            if key in ("title", "description"):
                if not isinstance(value, str):
                    problems.append(f"{where}.{key}: must be text")
                elif key == "description" and not schema.get("description"):
                    problems.append(f"{where}.description: the form has no description to translate")
            elif key == "fields" and isinstance(value, dict):
                for path, parts in value.items():
                    problems += _field_problems(f"{where}.fields.{path}", fields.get(path), parts)
            else:
                problems.append(f"{where}.{key}: not a translatable part (title, description, fields)")
    return problems


def _field_problems(where: str, prop: dict | None, parts: Any) -> list[str]:
    if prop is None:
        return [f"{where}: the form has no such field"]
    if not isinstance(parts, dict):
        return [f"{where}: must be an object (title, description, choices)"]
    problems = []
    for part, value in parts.items():
        if part not in FORM_PARTS:
            problems.append(f"{where}.{part}: not a translatable part (title, description, choices)")
        elif part == "description" and not prop.get("description"):
            problems.append(f"{where}.description: the field has no description to translate")
        elif part == "choices":
            known = {str(v) for v in _choices(prop)}
            if not isinstance(value, dict) or not known:
                problems.append(f"{where}.choices: the field has no fixed choices to translate")
                continue
            problems += [f"{where}.choices.{v}: the field has no such choice" for v in value if v not in known]
        elif not isinstance(value, str):
            problems.append(f"{where}.{part}: must be text")
    return problems


def missing_form_translations(schema: dict, language: str) -> list[str]:
    """Every text of the form (title, description, labels, help, choices) without a ``language`` text."""
    table = (schema.get("translations") or {}).get(language) or {}
    fields = table.get("fields") or {}
    missing = [part for part in ("title", "description") if schema.get(part) and not table.get(part)]
    for path, prop in _fields(schema).items():
        texts = fields.get(path) or {}
        if "title" not in texts:
            missing.append(f"{path}.title")
        if prop.get("description") and "description" not in texts:
            missing.append(f"{path}.description")
        missing += [f"{path}.choices.{v}" for v in _choices(prop) if str(v) not in (texts.get("choices") or {})]
    return missing


_localized: dict[tuple[int, str], tuple[dict, dict]] = {}
_localized_lock = threading.Lock()


def localize_form(schema: dict | None, language: str | None = None) -> dict | None:
    """The form with its titles, descriptions and choice labels in ``language``.

    Choice labels go into ``x-choice-titles`` (value -> label), which the portal's
    form renderer reads; validation keywords are untouched. Cached per schema object
    (deployed forms live as long as their bundle).
    """
    if not schema or not schema.get("translations"):
        return schema
    lang = active_language(language)
    key = (id(schema), lang)
    found = _localized.get(key)
    if found is not None and found[0] is schema:
        return found[1]
    table = schema["translations"]
    by_language = {str(k).lower(): v for k, v in table.items()}
    texts: dict[str, Any] = by_language.get(lang) or by_language.get(lang.split("-")[0]) or {}
    localized = copy.deepcopy(schema)
    for part in ("title", "description"):
        if texts.get(part):
            localized[part] = texts[part]
    targets = _fields(localized)
    for path, parts in (texts.get("fields") or {}).items():
        prop = targets.get(path)
        if prop is None:
            continue
        for part in ("title", "description"):
            if parts.get(part):
                prop[part] = parts[part]
        if parts.get("choices"):
            target = prop["items"] if isinstance(prop.get("items"), dict) else prop
            target["x-choice-titles"] = dict(parts["choices"])
    with _localized_lock:
        if len(_localized) > 4096:
            _localized.clear()
        _localized[key] = (schema, localized)
    return localized


# -- what a reader sees ------------------------------------------------------

_deployments: dict[int, ElementTexts] = {}
_deployments_lock = threading.Lock()


def deployment_texts(deployment_id: int) -> ElementTexts:
    """The translations of a deployment's BPMN file, read once per process (deployments never change)."""
    found = _deployments.get(deployment_id)
    if found is not None:
        return found
    xml = Deployment.objects.filter(pk=deployment_id).values_list("bpmn_xml", flat=True).first() or ""
    try:
        texts = bpmn_texts(etree.fromstring(xml.encode(), _PARSER))[0] if xml else ElementTexts()
    except etree.XMLSyntaxError:
        texts = ElementTexts()
    with _deployments_lock:
        return _deployments.setdefault(deployment_id, texts)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def item_texts(deployment_id: int, element_id: str, instructions: str, values: dict[str, Any]) -> dict[str, Any]:
    """What a task's work item keeps to show its title and instructions in any language:
    nothing when its element has no translations (the drawn text is all there is)."""
    if element_id not in deployment_texts(deployment_id).texts:
        return {}
    if not instructions:
        return {"deployment": deployment_id}
    # The drawn text's values and those its translations take under other keys ({{ vehicle_names.zh }}).
    texts = [instructions] + [
        parts.get("instructions", "") for parts in deployment_texts(deployment_id).texts[element_id].values()
    ]
    needed = {tuple(p.split(".")) for text in texts for p in placeholders(text)}
    return {"deployment": deployment_id, "values": {".".join(p): _value(values, p) for p in needed}}


def _value(data: dict[str, Any], path: tuple[str, ...]) -> str:
    return fill_instructions("{{{{ {} }}}}".format(".".join(path)), data, as_text=False)


def message(msgid: str, *, context: str = "", **params: Any) -> dict[str, Any]:
    """A text to show in each reader's language: a gettext message id (marked for
    extraction where it is written, with gettext_noop or pgettext_lazy) and its values."""
    spec: dict[str, Any] = {"msgid": str(msgid), "params": {k: _plain(v) for k, v in params.items()}}
    if context:
        spec["context"] = context
    return spec


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | bool | dict | None) else str(value)


def render(spec: Any, drawn: str, language: str | None = None) -> str:
    """A stored text spec in ``language``: a message (gettext) or a text with its translations."""
    if not isinstance(spec, dict):
        return drawn
    lang = active_language(language)
    params = spec.get("params") or {}
    if "msgid" in spec:
        with translation.override(lang):
            context = spec.get("context")
            text = translation.pgettext(context, spec["msgid"]) if context else translation.gettext(spec["msgid"])
            params = {k: render(v, str(v), lang) if isinstance(v, dict) else v for k, v in params.items()}
    elif "texts" in spec:
        text = pick(spec["texts"], lang, spec.get("drawn", drawn))
    else:
        return drawn
    try:
        return text % params if params else text
    except (KeyError, ValueError, TypeError):
        return drawn


def localize_item(item: Any, language: str | None = None) -> Any:
    """Set the item's title and instructions to the reader's language, for showing it (never
    save it afterwards); ``drawn_title`` and ``drawn_instructions`` keep what was stored."""
    lang = active_language(language)
    values = item.__dict__
    values.setdefault("drawn_title", item.title)
    item.title = item.drawn_title
    if "instructions" in values:
        values.setdefault("drawn_instructions", item.instructions)
        item.instructions = item.drawn_instructions
    texts = values.get("texts") or {}
    if "deployment" in texts and item.element_id:
        found = deployment_texts(texts["deployment"])
        item.title = found.text(item.element_id, "name", lang, item.title)
        template = found.text(item.element_id, "instructions", lang, "")
        if template:
            item.instructions = _fill(template, texts.get("values") or {})
    else:
        if "title" in texts:
            item.title = render(texts["title"], item.title, lang)
        if "instructions" in texts and "instructions" in values:
            item.instructions = render(texts["instructions"], item.instructions, lang)
    return item


def localize_items(items: list[Any], language: str | None = None) -> list[Any]:
    lang = active_language(language)
    for item in items:
        localize_item(item, lang)
    return items


def _fill(template: str, values: dict[str, str]) -> str:
    return fill_instructions(template, _nested(values))


def _nested(values: dict[str, str]) -> dict[str, Any]:
    """Stored ``a.b`` values back into the shape placeholders look up."""
    nested: dict[str, Any] = {}
    for path, value in values.items():
        target = nested
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {}) if isinstance(target.get(part, {}), dict) else {}
        target[last] = value
    return nested
