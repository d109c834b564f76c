"""The engine's tables.

A deployment holds an immutable copy of a process's files and its parsed spec.
An instance holds only its own SpiffWorkflow state, with a version counter for
optimistic locking. Every ready user task is mirrored into a WorkItem, every
waiting timer into a DueTimer and every waiting message into a MessageWait, in
the same transaction as the state, so inboxes and sweeps are indexed queries.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy


class Deployment(models.Model):
    process_id = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True)
    bpmn_file = models.CharField(max_length=255)
    bpmn_xml = models.TextField()
    dmn_files = models.JSONField(default=dict, help_text="file name -> DMN text")
    forms = models.JSONField(default=dict, help_text="form file name -> JSON Schema")
    spec = models.JSONField(help_text="the serialized process spec and embedded subprocess specs")
    called_processes = models.JSONField(default=list, help_text="process ids of call activities")
    checksum = models.CharField(max_length=64)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deployed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process_id", "version"], name="deployment_unique_version")]
        ordering = ["process_id", "-version"]

    def __str__(self) -> str:
        return f"{self.process_id} v{self.version}"


class InstanceStatus(models.TextChoices):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"  # ended in an error end event


class RowId(models.BigAutoField):
    """The id of a table a step writes to: on SQLite a plain INTEGER PRIMARY KEY.

    Django gives SQLite ids AUTOINCREMENT, which keeps a counter table that every
    insert rewrites: one more page at every step's commit (bench/engine.py). Without
    it SQLite takes the highest id plus one, so an id is only given again after the
    row with the highest id was deleted; rows of these tables are only ever deleted
    with their instance. Other databases keep their usual identity column.
    """

    def db_type_suffix(self, connection: Any) -> str | None:
        return None if connection.vendor == "sqlite" else super().db_type_suffix(connection)


class ProcessInstance(models.Model):
    id = RowId(primary_key=True)
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="instances")
    process_id = models.CharField(max_length=200)
    business_key = models.CharField(max_length=200, blank=True, default="")
    store_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING)
    state = models.TextField(help_text="SpiffWorkflow's instance state as JSON, without the spec")
    serializer_version = models.CharField(max_length=20)
    version = models.PositiveIntegerField(default=1, help_text="bumped by every write of state")
    callees = models.JSONField(default=dict, help_text="called process id -> deployment id, fixed at start")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["business_key", "status"]),
            models.Index(fields=["process_id", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.process_id}"


class ItemKind(models.TextChoices):
    TASK = "task", pgettext_lazy("work item kind", "Task")  # a BPMN user task
    REMINDER = "reminder", pgettext_lazy("work item kind", "Reminder")
    WARNING = "warning", pgettext_lazy("work item kind", "Warning")
    ALERT = "alert", pgettext_lazy("work item kind", "Alert")
    NOTICE = "notice", pgettext_lazy("work item kind", "Notice")  # read and dismissed


class ItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("work item status", "Open")
    DONE = "done", pgettext_lazy("work item status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("work item status", "Cancelled")


class WorkItem(models.Model):
    id = RowId(primary_key=True)
    # Indexes are chosen, not defaulted: every index entry that a step moves is a page
    # written at its commit (bench/engine.py). The inbox reads only open items, so its
    # indexes hold only open items: closing one deletes an entry from a small, hot index
    # instead of moving it across a large one, and the instance index leaves status out
    # so that a status change does not touch it.
    instance = models.ForeignKey(
        ProcessInstance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
        db_index=False,  # workitem_instance, below
    )
    task_id = models.CharField(max_length=36, blank=True, default="", help_text="SpiffWorkflow task id")
    element_id = models.CharField(max_length=200, blank=True, default="", help_text="BPMN element id")
    kind = models.CharField(max_length=10, choices=ItemKind.choices, default=ItemKind.TASK)
    title = models.CharField(max_length=300)
    process_id = models.CharField(max_length=200, blank=True, default="")
    role = models.CharField(max_length=30, blank=True, default="", help_text="lane name = role code")
    store_id = models.BigIntegerField(null=True, blank=True, help_text="empty: group-wide work")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # workitem_open_mine, below
    )
    claimed = models.BooleanField(default=False, help_text="taken from the role's queue by the assignee")
    excluded = models.JSONField(default=list, help_text="usernames who may not do this item")
    form = models.CharField(max_length=200, blank=True, default="")
    instructions = models.TextField(blank=True, default="", help_text="Markdown, variables filled in")
    values = models.JSONField(default=dict, help_text="current values of the form's fields")
    texts = models.JSONField(
        default=dict, blank=True, help_text="how to show the title and instructions in each reader's language"
    )
    subject_label = models.CharField(max_length=300, blank=True, default="")
    subject_ref = models.CharField(max_length=100, blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(default=3, help_text="1 (highest) to 5")
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    # NULL, not "": the unique constraint must let any number of unkeyed items through.
    key = models.CharField(  # noqa: DJ001
        max_length=200, null=True, blank=True, help_text="makes creating the same standalone item twice a no-op"
    )
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # never searched by
    )

    class Meta:
        indexes = [
            # The inbox's two lists. Each holds every column the inbox counts, filters and sorts by, so that
            # its counts per process and the ordering of a page read the index alone and only a page's rows
            # are read from the table (bench/inbox.py: hq's queue is 5,000 items; one person's own work is
            # short, so a subject is looked for in its rows). The columns of the condition come last: SQLite
            # reads them from the index, not from the condition. (PostgreSQL caps an index entry at 2,704
            # bytes: a subject of 300 characters and a list of people excluded, a few names, fit well.)
            models.Index(
                fields=["assignee", "kind", "process_id", "due_at", "priority", "id", "status"],
                condition=Q(status=ItemStatus.OPEN, assignee__isnull=False),
                name="workitem_open_mine",
            ),
            models.Index(
                fields=[
                    "role",
                    "store_id",
                    "kind",
                    "process_id",
                    "due_at",
                    "priority",
                    "id",
                    "excluded",
                    "subject_ref",
                    "subject_label",
                    "status",
                    "assignee",
                ],
                condition=Q(status=ItemStatus.OPEN, assignee__isnull=True),
                name="workitem_open_claimable",
            ),
            # Only items about something are looked up by it (queries say subject_ref > "").
            models.Index(
                fields=["subject_ref"],
                condition=Q(status=ItemStatus.OPEN, subject_ref__gt=""),
                name="workitem_open_subject",
            ),
            models.Index(fields=["instance"], condition=Q(instance__isnull=False), name="workitem_instance"),
        ]
        constraints = [
            # Only standalone items have keys: process steps never touch this index.
            models.UniqueConstraint(fields=["key"], condition=Q(key__isnull=False), name="workitem_unique_key"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class DueTimer(models.Model):
    """A waiting timer event; the worker fires the rows that are due."""

    id = RowId(primary_key=True)
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="timers")
    task_id = models.CharField(max_length=36)
    element_id = models.CharField(max_length=200)
    due_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "task_id"], name="duetimer_unique_task")]


class MessageWait(models.Model):
    """An instance waiting for a message, found by name and business key."""

    id = RowId(primary_key=True)
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="message_waits")
    task_id = models.CharField(max_length=36)
    element_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    business_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["name", "business_key"])]


class IncidentStatus(models.TextChoices):
    RETRYING = "retrying"  # the worker will retry at next_attempt_at
    WAITING = "waiting"  # out of attempts: an admin retries or cancels
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Incident(models.Model):
    """An automatic step (service task, script, timer, message) that failed."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="incidents")
    task_id = models.CharField(max_length=36, blank=True, default="")
    element_id = models.CharField(max_length=200, blank=True, default="")
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=IncidentStatus.choices)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class AuditEvent(models.Model):
    """One state change: who, when, on which instance and task, with what data."""

    id = RowId(primary_key=True)
    # Audit rows are written at every step and read per instance, or per work item for
    # standalone work: two partial indexes, each holding only the rows it serves.
    instance = models.ForeignKey(
        ProcessInstance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit",
        db_index=False,
    )
    work_item = models.ForeignKey(
        WorkItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    process_id = models.CharField(max_length=200, blank=True, default="")
    element_id = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["instance"], condition=Q(instance__isnull=False), name="audit_instance"),
            models.Index(fields=["work_item"], condition=Q(instance__isnull=True), name="audit_standalone_item"),
        ]


class Revision(models.Model):
    """A counter moved in the same transaction as a change that caches must notice.

    ``grants``: anyone's roles, stores or active flag (the grants function's inputs).
    A reader that sees the new value also sees the change, so a cache keyed by it is
    never stale, on every worker process.
    """

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} {self.value}"


class RuleSetVersion(models.Model):
    """An accepted edit of a rule file; the highest version of a name is in force."""

    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    text = models.TextField()
    comment = models.TextField(blank=True, default="")
    diff = models.TextField(blank=True, default="", help_text="unified diff against the version it replaced")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="rulesetversion_unique_version")]
        ordering = ["name", "-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RuleFactRecord(models.Model):
    """The facts one evaluation of a rule set saw (a sweep's chunk, one lead's routing), kept for replays.

    ``data`` is zlib-compressed JSON, one column per field (engine.rules.recorded.encode): a
    sweep's chunk of 2,000 prospects is one row. Rows older than RULE_FACTS_KEEP_DAYS are purged.
    """

    ruleset = models.CharField(max_length=100)
    at = models.DateTimeField()
    version = models.PositiveIntegerField(null=True, blank=True, help_text="saved version in force; empty: shipped")
    count = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["ruleset", "at"]), models.Index(fields=["at"])]


class RuleReplayLock(models.Model):
    """One replay at a time per rule set, across web and worker processes: the row is the lock."""

    ruleset = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()
