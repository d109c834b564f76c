"""LotFlow's BPM runtime: SpiffWorkflow with persistence, work items, timers and rules.

The portal and the workers use the functions in ``engine.api``; nothing outside
this package touches a workflow object.
"""
