"""What the library reports, said in the command's language: the lines at the end of
``open``, ``cancel`` and ``credentials rotate``, the words of the ``status`` table and of
``credentials list``, the names of the progress phases.

The library writes these in English (:func:`meetlink.reconcile.summary_lines`, the words of
:class:`~meetlink.reconcile.StatusRow`); here they go through the command's catalog, the
English staying word for word what the library writes. A word the library adds later and
this module does not know yet is shown as the library wrote it.

Example:
    >>> status_word("sent (2)"), status_word("a word added later")
    ('sent (2)', 'a word added later')
"""

from __future__ import annotations

import re

from meetlink.cli.i18n import gettext as _
from meetlink.reconcile import OpenResult
from meetlink.reconcile.setup import Progress
from meetlink.reconcile.status import NOTICE_ONLY, POSTPONED, WAITING

__all__ = ["SpokenProgress", "open_summary", "operation_word", "phase_name", "status_word"]

_SENT = re.compile(r"sent \((?P<sequence>\d+)\)")
_NOT_REACHED = re.compile(r"failed \((?P<missing>\d+) of (?P<total>\d+) not reached\)")


def _effect_names() -> dict[str, str]:
    """The kinds of effect as the end of ``open`` names them (looked up when spoken)."""
    return {
        "conference": _("conferences"),
        "credential": _("logins"),
        "access": _("credentials"),
        "handout": _("hand-outs"),
        "notice": _("notices (time announced later)"),
        "invitation": _("invitations"),
    }


def _counted(what: str, op: str, count: int) -> str:
    """``3 create``: how many effects of a kind an operation touched."""
    if what == "notice" and op == "cancel":  # not taken back: the invitation replaces it
        return _("{count} retired (the invitation follows)").format(count=count)
    words = {
        "create": _("{count} create"),
        "update": _("{count} update"),
        "cancel": _("{count} cancel"),
        "none": _("{count} none"),
    }
    return words.get(op, "{count} " + op).format(count=count)


def open_summary(result: OpenResult) -> list[str]:
    """The lines of :func:`meetlink.reconcile.summary_lines`, in the command's language."""
    lines = []
    for what, name in _effect_names().items():
        counts = result.counts.get(what, {})
        if counts:
            done = ", ".join(_counted(what, op, n) for op, n in sorted(counts.items()))
            lines.append(f"{name}: {done}")
    if not lines and not result.failures:
        lines.append(_("nothing to do: everything is already done."))
    for failure in result.failures:
        lines.append(_("FAILED {key}: {error}").format(key=failure.key, error=failure.error))
    if result.outbox is not None:
        lines.append(_("messages are in the outbox: {folder}").format(folder=result.outbox))
    if result.scope:
        lines.append(
            _("scope: {unit} and every unit below it ({points} bridge points)").format(
                unit=result.scope, points=result.scope_points
            )
        )
    if result.left_to_host:
        lines.append(
            _(
                "{count} conferences changed in the meeting file are left to the office that "
                "hosts them: its `meetlink open` changes them"
            ).format(count=result.left_to_host)
        )
    if result.where:  # a shared database: its URL, never its password
        lines.append(_("state: {url} (shared database)").format(url=result.where))
    else:
        lines.append(_("state: {folder}").format(folder=result.state_dir))
    return lines


def operation_word(op: str) -> str:
    """``create``, ``update``, ``cancel`` as the dry run shows them."""
    words = {"create": _("create"), "update": _("update"), "cancel": _("cancel")}
    return words.get(op, op)


def status_word(word: str) -> str:
    """A word of the ``status`` table (conference, credentials, invitation, state) or of
    ``credentials list``."""
    sent = _SENT.fullmatch(word)
    if sent:
        return _("sent ({sequence})").format(sequence=sent["sequence"])
    not_reached = _NOT_REACHED.fullmatch(word)
    if not_reached:
        return _("failed ({missing} of {total} not reached)").format(
            missing=not_reached["missing"], total=not_reached["total"]
        )
    words = {
        "-": "-",
        "done": _("done"),
        "pending": _("pending"),
        "failed": _("failed"),
        "cancelled": _("cancelled"),
        "revoked": _("revoked"),
        "intent": _("intent"),
        "waiting": _("waiting"),
        "unknown (next open checks)": _("unknown (next open checks)"),
        "pending (new officer)": _("pending (new officer)"),
        "pending (postponement)": _("pending (postponement)"),
        "handed out": _("handed out"),
        "not yet handed out": _("not yet handed out"),
        WAITING: _("waiting for the time"),
        NOTICE_ONLY: _("notice only, awaiting the time"),
        POSTPONED: _("postponed, awaiting the time"),
    }
    return words.get(word, word)


def phase_name(name: str) -> str:
    """The name of a phase of ``open`` as its progress shows it."""
    names = {
        "conferences": _("conferences"),
        "conference changes": _("conference changes"),
        "logins": _("logins"),
        "credentials": _("credentials"),
        "hand-out": _("hand-out"),
        "notices": _("notices"),
        "invitations": _("invitations"),
    }
    return names.get(name, name)


class SpokenProgress:
    """A progress whose phases are named in the command's language."""

    def __init__(self, shown: Progress) -> None:
        self._shown = shown

    def phase(self, name: str, total: int) -> None:
        """Start a phase."""
        self._shown.phase(phase_name(name), total)

    def advance(self) -> None:
        """One step done."""
        self._shown.advance()

    def finish(self) -> None:
        """The phase is over."""
        self._shown.finish()
