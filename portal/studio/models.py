"""What the studio stores beside the engine's own tables."""

from django.conf import settings
from django.db import models


class RuleCases(models.Model):
    """The example cases of a rule set as an admin updated them when saving a version (or rolling one
    back); the newest row of a rule set is what its next save runs, else ``rules/NAME.cases.json``."""

    ruleset = models.CharField(max_length=100)
    version = models.PositiveIntegerField(help_text="the rule set's version saved with these cases")
    cases = models.JSONField(default=list)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ruleset", "version"], name="rulecases_unique_version")]

    def __str__(self) -> str:
        return f"{self.ruleset} v{self.version} cases"
