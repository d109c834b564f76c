"""The studio: where admins draw, check, deploy and migrate processes and edit rule files, and where managers
watch the instances of their stores. It talks to the engine only through ``engine.api``."""
