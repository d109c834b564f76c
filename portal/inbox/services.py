"""What people do from the inbox: claim, release, dismiss and submit work items.

Each function calls one engine.api command and turns its refusal into a
sentence for the page. The engine changes all or nothing, so a refused
action has written nothing; these functions only decide what to say.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engine import api
from engine.api import Conflict, InvalidData, InvalidState, ItemStatus, NotAllowed, NotFound, WorkItem
from portal.crm.selectors import next_step_holder
from portal.ui.people import display_name, sentence_gap

from . import selectors, tickets
from .taskforms import TaskForm, UnsupportedForm

# Item ids above this do not fit the database's integer column; they are nobody's item.
MAX_ITEM_ID = 2**63 - 1


@dataclass
class Outcome:
    """``ok``: it was done. ``message``: what to tell the person. ``form``: a form to show again.
    ``opened``: the items the step opened; ``continue_to``: the first of them that is the same
    person's, whose page opens next instead of the inbox."""

    ok: bool
    message: str | SafeString
    form: TaskForm | None = None
    opened: list[int] = field(default_factory=list)
    continue_to: int | None = None


def visible_item(item_id: int, user: Any, *, ticket: str | None = None) -> WorkItem:
    """The item if the user may see it. Http404 otherwise, unless ``ticket`` shows the user saw it
    before: then ItemGone, which says what became of it."""
    if item_id > MAX_ITEM_ID:
        raise Http404("no such work item")
    try:
        return api.localize_item(api.item_visible_to(item_id, user))
    except NotFound as err:
        if tickets.is_valid(ticket, user, item_id):
            raise ItemGone(what_became_of(item_id, user)) from err
        raise Http404("no such work item") from err


class ItemGone(Exception):
    """The user saw this item, but it has since been completed, cancelled or taken by someone else."""


def what_became_of(item_id: int, user: Any) -> str:
    row = WorkItem.objects.select_related("completed_by", "assignee").filter(pk=item_id).first()
    if row is None:
        return _("That item no longer exists.")
    if row.status == ItemStatus.DONE:
        if row.completed_by_id == user.pk:
            return _("“%(item)s” was already completed by you; nothing was done twice.") % {"item": row.title}
        return _("“%(item)s” was already completed by %(person)s; nothing was done twice.") % {
            "item": row.title,
            "person": _name(row.completed_by),
        }
    if row.status == ItemStatus.CANCELLED:
        return _("“%(item)s” was cancelled: the process moved on without it. Nothing was saved.") % {"item": row.title}
    if row.assignee_id not in (None, user.pk):
        return _("%(person)s took “%(item)s” first. Nothing was changed.") % {
            "person": _name(row.assignee),
            "item": row.title,
        }
    return _("“%(item)s” is no longer yours to work on. Nothing was changed.") % {"item": row.title}


def _name(person: Any) -> str:
    return display_name(person) if person is not None else _("someone else")


def _refused(item_id: int, user: Any, err: Exception) -> Outcome:
    if isinstance(err, Conflict):
        return Outcome(False, what_became_of(item_id, user))
    return Outcome(False, _("%(reason)s. Nothing was changed.") % {"reason": err})


def _attempt(item_id: int, user: Any, action: Callable[[], Any], done: str) -> Outcome:
    try:
        action()
    except (Conflict, NotAllowed, InvalidState) as err:
        return _refused(item_id, user, err)
    except NotFound:
        return Outcome(False, what_became_of(item_id, user))
    return Outcome(True, done)


def item_claim(*, item: WorkItem, user: Any) -> Outcome:
    return _attempt(
        item.pk,
        user,
        lambda: api.claim(item.pk, user=user),
        _("You claimed “%(item)s”; it is in your list now.") % {"item": item.title},
    )


def item_release(*, item: WorkItem, user: Any) -> Outcome:
    return _attempt(
        item.pk,
        user,
        lambda: api.release(item.pk, user=user),
        _("You released “%(item)s”; it is back in the queue of its role.") % {"item": item.title},
    )


def item_dismiss(*, item: WorkItem, user: Any) -> Outcome:
    return _attempt(
        item.pk, user, lambda: api.dismiss(item.pk, user=user), _("Dismissed “%(item)s”.") % {"item": item.title}
    )


def item_submit(*, item: WorkItem, user: Any, posted: QueryDict) -> Outcome:
    """Convert the post to the form's types and complete the item with it.

    A conversion error or the engine's InvalidData comes back as the form,
    with errors beside their fields and what was typed kept.
    """
    try:
        form = selectors.blank_form(item)
    except UnsupportedForm as err:
        return Outcome(False, _("This form cannot be shown: %(reason)s.") % {"reason": err})
    data = form.convert(posted)
    if data is None:
        return Outcome(False, _problems(form), form=form)
    try:
        result = api.complete(item.pk, user=user, data=data)
    except InvalidData as err:
        form.add_errors(err.errors)
        return Outcome(False, _problems(form), form=form)
    except InvalidState as err:
        form.add_errors({"": [_("The process could not accept this: %(reason)s") % {"reason": err}]})
        return Outcome(False, _problems(form), form=form)
    except (Conflict, NotAllowed, NotFound) as err:
        return _refused(item.pk, user, err)
    except (OperationalError, InterfaceError):
        # The database connection dropped mid-save (a restart, a failover, a terminated backend): the
        # transaction was rolled back whole, and the next query opens a new connection.
        return Outcome(False, connection_lost(), form=form)
    # The next steps by their names in the reader's language, as the inbox lists them.
    opened = api.localize_items(list(WorkItem.objects.filter(pk__in=result.opened).order_by("id")))
    mine = [n.pk for n in opened if n.assignee_id == user.pk and n.status == ItemStatus.OPEN]
    return Outcome(
        True,
        _what_comes_next(item, user, result, opened),
        opened=list(result.opened),
        continue_to=mine[0] if mine else None,
    )


def connection_lost() -> str:
    return _(
        "The connection to the database was lost while this was saved. Nothing was saved: submit again in a moment."
    )


def _problems(form: TaskForm) -> str:
    count = form.error_count
    return ngettext(
        "Nothing was saved: one thing needs correcting.",
        "Nothing was saved: %(count)d things need correcting.",
        count,
    ) % {"count": count}


def _what_comes_next(item: WorkItem, user: Any, result: Any, opened: list[WorkItem]) -> SafeString:
    if item.subject_label:
        done = format_html(_("Done: “{item}” ({subject})."), item=item.title, subject=item.subject_label)
    else:
        done = format_html(_("Done: “{item}”."), item=item.title)
    sentences: list[str] = [done, *(_next_line(n, user) for n in opened)]
    if result.status == "completed":
        sentences.append(_("The process is complete."))
    if result.incidents:
        sentences.append(_("An automatic step failed and was recorded as an incident for an administrator."))
    return format_html_join(sentence_gap(), "{}", ((sentence,) for sentence in sentences))


def _next_line(opened: WorkItem, user: Any) -> SafeString:
    link = reverse("inbox:item", args=[opened.pk])
    if opened.assignee_id == user.pk:
        return format_html(_('Next: <a href="{link}">{item}</a> is in your list.'), link=link, item=opened.title)
    if opened.assignee_id is None and selectors.claimable_by(opened, user):
        return format_html(
            _('Next: <a href="{link}">{item}</a> waits in your roles\' queue.'), link=link, item=opened.title
        )
    return format_html("{}", next_step_holder(opened))
