"""The front-end packages' files that the pages use, as a static files finder.

``node_modules`` holds whole packages (sources, other builds, licences); only the
files listed in ``settings.LOTFLOW_FRONTEND_FILES`` are found and collected, under
the same path their ``{% static %}`` tag names.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _


class NodeModulesFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(settings.LOTFLOW_NODE_MODULES)
        self.files = list(settings.LOTFLOW_FRONTEND_FILES)
        self.storage = FileSystemStorage(location=self.root)

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [
            Error(
                _("The front-end file %(path)s is missing from %(root)s.") % {"path": name, "root": self.root},
                hint=_("Install the front-end packages with `npm ci` (or `make npm`)."),
                obj=self,
                id="lotflow.E001",
            )
            for name in self.files
            if not (self.root / name).is_file()
        ]

    # django-stubs declares a miss as None, but Django's finders.find() takes any answer that is not a list for a
    # match (and would return [None]); a finder says "not here" with [], as Django's own finders do.
    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:  # type: ignore[override]
        if path in self.files and (self.root / path).is_file():
            found = str(self.root / path)
            return [found] if find_all else found
        return []

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name in self.files:
            if (self.root / name).is_file():
                yield name, self.storage
