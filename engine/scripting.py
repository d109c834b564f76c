"""The restricted script engine every BPMN and DMN expression runs in.

A BPMN upload is code: gateway conditions, script tasks, pre- and post-scripts,
timer values, DMN entries, message correlation and service task parameters are
all Python evaluated by SpiffWorkflow. LotFlow runs every one of them through
``RestrictedEnvironment`` (RestrictedPython): no imports, no files, no names or
attributes that start with an underscore, only a small set of builtins.
SpiffWorkflow calls the environment directly on some paths (message
correlation, conditional events), so the restriction lives in the environment,
not in the script engine, and compiled code is cached by source text.
"""

import ast
import json
import keyword
import operator
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import CodeType
from typing import Any

from django.utils.translation import gettext as _
from RestrictedPython import compile_restricted_eval, compile_restricted_exec, limited_builtins
from RestrictedPython import safe_builtins as _library_safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from . import clock, registry
from .errors import ScriptRefused

FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "input",
        "breakpoint",
        "memoryview",
        "help",
        "exit",
        "quit",
        "print",
    }  # a script has nowhere to print to; refused at deploy rather than failing at run time
)

_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "|=": operator.ior,
    "&=": operator.iand,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _builtins() -> dict[str, Any]:
    allowed = {k: v for k, v in _library_safe_builtins.items() if k not in FORBIDDEN_NAMES}
    allowed.pop("__build_class__", None)  # no class definitions in process scripts
    allowed.update(limited_builtins)
    allowed.update(
        dict=dict,
        list=list,
        set=set,
        frozenset=frozenset,
        sum=sum,
        min=min,
        max=max,
        any=any,
        all=all,
        sorted=sorted,
        enumerate=enumerate,
        zip=zip,
        map=map,
        filter=filter,
        reversed=reversed,
    )
    return allowed


_SAFE_BUILTINS = _builtins()


def _today() -> date:
    return clock.now().date()


# What scripts may call besides the builtins: time from the engine's clock.
SCRIPT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "now": clock.now,
    "today": _today,
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
}

_GUARDS: dict[str, Any] = {
    "__builtins__": _SAFE_BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}


def _precheck(source: str) -> list[str]:
    """Refusals RestrictedPython would only notice at run time (or not at all)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # reported by the restricted compiler with its line
    problems = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Import | ast.ImportFrom):
            problems.append(_("line %(line)s: imports are not allowed") % {"line": line})
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            problems.append(_("line %(line)s: %(name)s() is not allowed") % {"line": line, "name": node.id})
        elif isinstance(node, ast.ClassDef):
            problems.append(_("line %(line)s: class definitions are not allowed") % {"line": line})
    return problems


@lru_cache(maxsize=4096)
def compile_script(source: str, mode: str) -> CodeType:
    """Compile an expression (``mode="eval"``) or script (``"exec"``), or raise ScriptRefused."""
    problems = _precheck(source)
    if not problems:
        compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compiler(source.strip() if mode == "eval" else source)
        problems = list(result.errors)
        if not problems and result.code is not None:
            return result.code
    raise ScriptRefused("; ".join(problems))


@lru_cache(maxsize=4096)
def _plain_name(expression: str) -> str | None:
    """The variable an expression is, when it is nothing but one allowed variable name."""
    name = expression.strip()
    if not name.isidentifier() or keyword.iskeyword(name) or check_script(name, "eval") is not None:
        return None
    return name


def check_script(source: str, mode: str) -> str | None:
    """The reason ``source`` is refused, or None if it compiles."""
    try:
        compile_script(source, mode)
    except ScriptRefused as refused:
        return str(refused)
    return None


def _getter(context: dict) -> Callable[..., Any]:
    """``get("name", default)``: a process value that may not be set yet (an optional form field)."""

    def get(name: str, default: Any = None) -> Any:
        return context.get(name, default)

    return get


class RestrictedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment, with restricted compile and run."""

    def __init__(self) -> None:
        super().__init__(environment_globals=dict(SCRIPT_FUNCTIONS))

    def _globals(self, external_context: dict | None) -> dict[str, Any]:
        scope = dict(_GUARDS)
        scope.update(self.globals)
        scope.update(external_context or {})
        return scope

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        name = _plain_name(expression)
        if name is not None and name in context:
            return context[name]  # what eval would give: the task's data is the innermost scope
        code = compile_script(expression, "eval")
        scope = self._globals(external_context)
        scope["get"] = _getter(context)
        scope.update(context)
        return eval(code, scope)  # noqa: S307 - restricted code, guarded globals

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = compile_script(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        scope = self._globals(external_context)
        scope["get"] = _getter(context)
        reserved = set(scope)
        scope.update(context)
        exec(code, scope)  # noqa: S102 - restricted code, guarded globals
        context.clear()
        context.update(
            {k: v for k, v in scope.items() if not k.startswith("_") and not callable(v) and k not in reserved}
        )
        return True

    def call_service(self, context: dict, operation_name: str, operation_params: dict) -> str:
        found = registry.service(operation_name)
        if found is None:
            raise ScriptRefused(f"no service function is registered as {operation_name!r}")
        kwargs = {name: param["value"] for name, param in operation_params.items()}
        return json.dumps(found.function(**kwargs), default=str)


class RestrictedScriptEngine(PythonScriptEngine):
    """Reports a failing service call as itself (SpiffWorkflow's own path raises NameError)."""

    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())

    def validate(self, expression: str) -> None:
        """SyntaxError for text that is not Python, ScriptRefused for restricted code.

        DMNEngine tells an operator entry (``>= 5``) from a value (``"gold"``) by catching
        SyntaxError here, as PythonScriptEngine.validate raises it.
        """
        ast.parse(expression.strip(), mode="eval")
        compile_script(expression, "eval")

    def call_service(self, task: Any, **kwargs: Any) -> str:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            detail = f"{err.__class__.__name__}: {err}"
            raise WorkflowTaskException(detail, task=task, exception=err) from err


SCRIPT_ENGINE = RestrictedScriptEngine()
