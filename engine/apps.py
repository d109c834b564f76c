from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "Process engine"

    def ready(self) -> None:
        from . import registry, spiff

        registry.load_registry_modules()
        spiff.keep_library_logs_cheap()
