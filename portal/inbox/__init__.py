"""The task inbox: login, inboxes, work-item pages and the forms rendered from JSON Schema."""
