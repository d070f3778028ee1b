"""The ``provisioned`` platform: a provider's MCU, every bridge point its own account.

A package with a small public face: :class:`ProvisionedAdapter` and
:class:`ProvisionedSettings` (:mod:`.adapter`); :mod:`.accounts` reads the provider's account
sheet, checks it against the plan, and generates and exports accounts.

Example:
    >>> from meetlink.adapters.provisioned import ProvisionedAdapter
    >>> ProvisionedAdapter.name
    'provisioned'
"""

from __future__ import annotations

from meetlink.adapters.provisioned.adapter import ProvisionedAdapter, ProvisionedSettings

__all__ = ["ProvisionedAdapter", "ProvisionedSettings"]
