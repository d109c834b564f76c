"""The import contracts in pyproject.toml guard what they claim: each is kept by the tree as it is,
and breaks when the import it forbids is added."""

import copy
import pkgutil
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter.configuration import configure
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

import engine

ROOT = Path(__file__).resolve().parent.parent
configure()  # what lint-imports does first: the contracts time their checks through its settings
KINDS = {"forbidden": ForbiddenContract, "layers": LayersContract, "acyclic_siblings": AcyclicSiblingsContract}


def _config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def _contract(name_start: str) -> Any:
    config = _config()
    options = next(c for c in config["contracts"] if c["name"].startswith(name_start))
    # As import-linter's own TOML reader hands them over: booleans as text.
    contract_options = {
        k: str(v).lower() if isinstance(v, bool) else v for k, v in options.items() if k not in ("name", "type")
    }
    return KINDS[options["type"]](options["name"], {"root_packages": config["root_packages"]}, contract_options)


@cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*_config()["root_packages"], include_external_packages=True, cache_dir=None)


def _kept_with(contract: Any, importer: str | None = None, imported: str | None = None) -> bool:
    graph = copy.deepcopy(_graph())
    if importer and imported:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    return contract.check(graph, verbose=False).kept


def test_the_one_door_contract_names_every_engine_module_but_the_api():
    forbidden = set(
        next(c for c in _config()["contracts"] if c["name"].startswith("The engine is one door"))["forbidden_modules"]
    )
    modules = {f"engine.{m.name}" for m in pkgutil.iter_modules(engine.__path__)}
    assert modules - forbidden == {"engine.api"}


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("portal.crm.services.customers", "engine.models"),
        ("portal.inbox.selectors", "engine.runtime"),
        ("workers.tasks", "engine.sql"),
        ("portal.crm.management.commands.sweep", "engine.management.base"),
    ],
)
def test_going_around_engine_api_breaks_the_one_door_contract(importer, imported):
    contract = _contract("The engine is one door")
    assert _kept_with(contract)
    assert not _kept_with(contract, importer, imported)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("portal.crm.selectors", "portal.inbox.selectors"),
        ("portal.crm.automation.signals", "workers.tasks"),
        ("engine.runtime", "portal.crm.models"),
        ("workers.tasks", "portal.inbox.services"),
        ("portal.inbox.services", "workers.tasks"),
        ("portal.crm.automation.reminders", "portal.care.outbox"),  # the CRM signals; the care app listens
        ("portal.care.outbox", "portal.inbox.services"),
    ],
)
def test_an_import_upwards_breaks_the_layers(importer, imported):
    contract = _contract("Layers run one way")
    assert _kept_with(contract)
    assert not _kept_with(contract, importer, imported)


def test_queuing_a_task_through_the_worker_package_breaks_its_contract():
    contract = _contract("Code that queues a task")
    assert _kept_with(contract)
    assert not _kept_with(contract, "portal.celery", "workers.tasks")


def test_a_cycle_between_sibling_service_modules_breaks_the_acyclic_contract():
    contract = _contract("No import cycles")
    assert _kept_with(contract)
    assert not _kept_with(contract, "portal.crm.services.common", "portal.crm.services.customers")
