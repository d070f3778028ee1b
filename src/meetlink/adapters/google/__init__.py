"""The ``google`` platform: Calendar events with Meet links (see :mod:`.adapter`).

A package with a small public face: :class:`GoogleAdapter` and :class:`GoogleSettings`.
Inside, one module per concern: :mod:`.client` (the Google client, batches), :mod:`.calendar`
(event bodies), :mod:`.meet` (Meet access and attendance), :mod:`.retry` (what is retried),
:mod:`.create` (creating many conferences), :mod:`.adapter` (the contract).

Example:
    >>> from meetlink.adapters.google import GoogleAdapter
    >>> GoogleAdapter.name
    'google'
"""

from __future__ import annotations

from meetlink.adapters.google.adapter import GoogleAdapter, GoogleSettings

__all__ = ["GoogleAdapter", "GoogleSettings"]
