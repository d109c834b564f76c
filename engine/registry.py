"""Named service functions and form choice providers, registered by other apps.

BPMN service tasks may only call functions registered here, and a form field
whose schema names a provider (``"x-choices": "staff_of_store"``) only accepts
the values that provider lists for the work item at hand.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .conf import setting

ServiceFunction = Callable[..., Any]
# A provider gets the work item (engine.models.WorkItem) and returns its choices.
ChoiceProvider = Callable[[Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class Service:
    name: str
    function: ServiceFunction
    description: str


# Called when a standalone work item with that form is completed: (item, data, user).
CompletionHandler = Callable[[Any, dict[str, Any], Any], None]

_services: dict[str, Service] = {}
_providers: dict[str, ChoiceProvider] = {}
_completions: dict[str, CompletionHandler] = {}


def register_service(name: str, description: str = "") -> Callable[[ServiceFunction], ServiceFunction]:
    """Decorator: make ``function`` callable from BPMN service tasks as ``name``.

    The function receives the task's parameters as keyword arguments and returns
    something JSON can hold; it is stored in the task's result variable.
    """

    def decorate(function: ServiceFunction) -> ServiceFunction:
        known = _services.get(name)
        if known is not None and _origin(known.function) != _origin(function):
            raise ValueError(
                f"service {name!r} is registered twice: by {_origin(known.function)} and by {_origin(function)}"
            )
        _services[name] = Service(name, function, description or (function.__doc__ or "").strip())
        return function

    return decorate


def _origin(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def register_choices(name: str) -> Callable[[ChoiceProvider], ChoiceProvider]:
    """Decorator: a provider returning ``[{"value": ..., "label": ...}, ...]`` for a work item."""

    def decorate(provider: ChoiceProvider) -> ChoiceProvider:
        _providers[name] = provider
        return provider

    return decorate


def register_completion(form: str) -> Callable[[CompletionHandler], CompletionHandler]:
    """Decorator: what completing a standalone item with ``form`` does (e.g. book a service visit).

    It runs in the completing transaction, after the data is validated; raising
    an engine error refuses the completion and changes nothing.
    """

    def decorate(handler: CompletionHandler) -> CompletionHandler:
        _completions[form] = handler
        return handler

    return decorate


def completion_handler(form: str) -> CompletionHandler | None:
    return _completions.get(form)


def service(name: str) -> Service | None:
    return _services.get(name)


def services() -> dict[str, Service]:
    return dict(_services)


def choice_provider(name: str) -> ChoiceProvider | None:
    return _providers.get(name)


def load_registry_modules() -> None:
    for module in setting("REGISTRY_MODULES", []):
        importlib.import_module(module)
