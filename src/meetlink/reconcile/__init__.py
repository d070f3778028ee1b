"""Reconcile: the meeting file is the desired state, the ledger is what was done.

``open`` builds the desired state once from the plan (:mod:`.desired`), diffs it against
the ledger (:mod:`.diff`, keyed by :mod:`.keys`) and carries out the difference, one small
module per phase: :mod:`.conferences`, :mod:`.access` (logins and access; the steps of
the credential lifecycle are in :mod:`.credentials`),
:mod:`.handouts`, :mod:`.invitations`, over a frozen :class:`RunContext` (:mod:`.context`).
:mod:`.lifecycle` rotates and revokes on request; :mod:`.status` reads what is done.

Example:
    >>> from meetlink.reconcile import EffectKey
    >>> str(EffectKey.credential("main", "X1"))
    'credential:main/X1'
"""

from __future__ import annotations

from meetlink.reconcile.context import Failure, OpenResult, RunContext
from meetlink.reconcile.diff import Action, Op, diff, fingerprint
from meetlink.reconcile.keys import ConferenceKey, EffectKey, Kind
from meetlink.reconcile.lifecycle import (
    CredentialRow,
    Revoked,
    credential_rows,
    credential_slips,
    revoke_credentials,
    rotate_credentials,
)
from meetlink.reconcile.run import default_state_dir, open_meeting, planned_actions, summary_lines
from meetlink.reconcile.setup import load_meeting
from meetlink.reconcile.status import StatusRow, meeting_status, officers_waiting

__all__ = [
    "Action",
    "ConferenceKey",
    "CredentialRow",
    "EffectKey",
    "Failure",
    "Kind",
    "Op",
    "OpenResult",
    "Revoked",
    "RunContext",
    "StatusRow",
    "credential_rows",
    "credential_slips",
    "default_state_dir",
    "diff",
    "fingerprint",
    "load_meeting",
    "meeting_status",
    "officers_waiting",
    "open_meeting",
    "planned_actions",
    "revoke_credentials",
    "rotate_credentials",
    "summary_lines",
]
