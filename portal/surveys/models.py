"""Questionnaires, the invitations that send them, and the answers that come back.

A questionnaire is frozen once it has an answer: editing it then makes a new version (same ``key``, the next
``version``), so every answer keeps the questions it answered. An invitation is one customer asked once about
one record (an order delivered, a service, a complaint closed, a return visit); it is answered at most once,
on the customer's phone through its link or by staff during a call.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.crm.models import Complaint, Customer, Store


class Reason(models.TextChoices):
    DELIVERY = "delivery", pgettext_lazy("survey reason", "After a delivery")
    SERVICE = "service", pgettext_lazy("survey reason", "After a service")
    COMPLAINT = "complaint", pgettext_lazy("survey reason", "After a closed complaint")


class Topic(models.TextChoices):
    VEHICLE = "vehicle", pgettext_lazy("survey topic", "The vehicle")
    SALES = "sales", pgettext_lazy("survey topic", "Sales service")
    AFTERSALES = "aftersales", pgettext_lazy("survey topic", "After-sales service")


class Kind(models.TextChoices):
    SCALE5 = "scale5", pgettext_lazy("question kind", "Scale 1-5")
    SCALE10 = "scale10", pgettext_lazy("question kind", "Scale 0-10")
    SINGLE = "single", pgettext_lazy("question kind", "One choice")
    MULTIPLE = "multiple", pgettext_lazy("question kind", "Several choices")
    TEXT = "text", pgettext_lazy("question kind", "Free text")


SCALES = {Kind.SCALE5: (1, 5), Kind.SCALE10: (0, 10)}


def _in_language(zh: str, en: str) -> str:
    """The English text for an English reader when there is one; Chinese first otherwise."""
    if (get_language() or "").startswith("en") and en:
        return en
    return zh or en


class Questionnaire(models.Model):
    key = models.SlugField(_("key"), max_length=40, help_text=_("Versions of one questionnaire share their key."))
    version = models.PositiveIntegerField(default=1)
    reason = models.CharField(_("sent after"), max_length=12, choices=Reason.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    # The version invitations use for its reason (one per reason; the newest saved wins).
    active = models.BooleanField(_("in use"), default=True)
    frozen = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="questionnaire_key_version")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        return _in_language(self.title_zh, self.title_en)

    @property
    def intro(self) -> str:
        return _in_language(self.intro_zh, self.intro_en)


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    # The choices of a choice question: [{"zh": ..., "en": ...}, ...]; an answer stores their indexes.
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _in_language(self.text_zh, self.text_en)

    def choice_labels(self) -> list[str]:
        return [_in_language(c.get("zh", ""), c.get("en", "")) for c in self.choices]

    @property
    def scale(self) -> tuple[int, int] | None:
        return SCALES.get(self.kind)  # type: ignore[call-overload]


class InvitationStatus(models.TextChoices):
    CREATED = "created", pgettext_lazy("survey invitation", "Created")
    SENT = "sent", pgettext_lazy("survey invitation", "Sent")
    ANSWERED = "answered", pgettext_lazy("survey invitation", "Answered")


class Invitation(models.Model):
    """One customer asked once about one record (``record`` is ``order:12``, ``service:3``, ``complaint:5``,
    ``return_visit:9``): the same record never gets a second invitation."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_invitations")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    record = models.CharField(max_length=40, unique=True)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.CREATED)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"survey:{self.pk}"


class AnsweredBy(models.TextChoices):
    CUSTOMER = "customer", pgettext_lazy("survey answered by", "The customer, by link")
    STAFF = "staff", pgettext_lazy("survey answered by", "Staff, during a call")


class Response(models.Model):
    """The answers to one invitation (one at most: the invitation is unique here). ``index`` is the mean of
    its scale answers on a 0-100 footing (1-5 and 0-10 alike), None without any."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_responses")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_by = models.CharField(max_length=10, choices=AnsweredBy.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)
    index = models.FloatField(null=True, blank=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-answered_at"]
        # The satisfaction report groups a window's responses by month, store and salesperson from the index
        # alone (their index and complaint included).
        indexes = [
            models.Index(
                fields=["answered_at", "store", "salesperson", "index", "complaint"], name="survey_response_idx"
            )
        ]


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # The question's topic, copied at write (a frozen question never changes it): the index per topic reads
    # the answers of a window's responses from one covering index, without the questions.
    topic = models.CharField(max_length=12, choices=Topic.choices)
    number = models.SmallIntegerField(null=True, blank=True)  # a scale's value
    chosen = models.JSONField(default=list, blank=True)  # the indexes of the chosen choices
    text = models.TextField(blank=True)
    # The scale value on a 0-100 footing (for the index per topic); None for other kinds.
    points = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]
        indexes = [models.Index(fields=["response", "topic", "points"], name="survey_answer_topic_idx")]
