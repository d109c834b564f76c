"""Display helpers every portal app may load: one format per kind of value (template library ``lotflow``).

It imports nothing of the CRM or the inbox, so both load it without crossing their layers.
"""
