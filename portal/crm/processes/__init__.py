"""Service functions and choice providers the BPMN processes call (registered with the engine)."""
