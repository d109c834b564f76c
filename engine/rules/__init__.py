"""Editable rule files, evaluated by durable_rules.

A rule file (``rules/*.rules``, documented in docs/rules.md) is one rule set:
conditions over one kind of fact and actions chosen from a catalog of named
actions with typed parameters. ``language`` parses it, ``check`` validates it
against the catalog, ``host`` compiles it for durable_rules and evaluates facts,
``versions`` stores each accepted edit and says which version is in force.
Evaluating returns decisions; applying them is the caller's business, so a dry
run is the same evaluation with nothing applied.
"""
