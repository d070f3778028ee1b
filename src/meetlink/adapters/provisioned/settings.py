"""The settings of the ``provisioned`` platform (a track's ``settings:``).

Example:
    >>> ProvisionedSettings(accounts="viettel.xlsx").generate
    False
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from meetlink.adapters.base import HOST_PATTERN, AdapterSettings

__all__ = ["ProvisionedSettings"]


class ProvisionedSettings(AdapterSettings):
    """Settings of the ``provisioned`` platform (a track's ``settings:``).

    Either ``accounts`` (the provider's sheet, CSV or XLSX) or ``generate: true`` with
    ``export`` (the CSV meetlink writes for the provider to import). With neither, meetlink
    generates the accounts and exports them to ``<state_dir>/accounts-for-provider.csv``.
    ``server`` is the MCU host, ``room_prefix`` starts room names, ``state_dir`` keeps rooms
    across runs (the core passes its state folder), ``revocations`` is the list of accounts
    to disable after the meeting (default ``<state_dir>/revoked.csv``); ``pin_digits: 0``
    generates no PIN. ``login_track`` puts the track id in generated logins (meetlink sets
    it when a point's id is that of a point in another ``provisioned`` track but for case,
    so that two units never get one login, in two exports with two passwords).

    Example:
        >>> ProvisionedSettings(accounts="viettel.xlsx").server
        'mcu.provider.example'
    """

    accounts: Path | None = None
    generate: bool = False
    export: Path | None = None
    server: Annotated[str, Field(pattern=HOST_PATTERN)] = "mcu.provider.example"
    room_prefix: Annotated[str, Field(pattern=r"^[a-z0-9-]{0,20}$")] = "ml-"
    state_dir: Path | None = None
    revocations: Path | None = None
    password_length: int = Field(default=16, ge=14, le=64)
    pin_digits: int = Field(default=6, ge=0, le=12)
    capacity: int | None = Field(default=None, ge=2)  # the MCU's ports for one conference
    login_track: bool = False

    @model_validator(mode="before")
    @classmethod
    def _generate_by_default(cls, data: Any) -> Any:
        # With no sheet, meetlink makes the accounts (the zero-configuration default) and
        # exports them into the state folder for the provider to import.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("accounts") is None and "generate" not in data:
            data["generate"] = True
        if data.get("generate") and data.get("export") is None and data.get("state_dir"):
            data["export"] = Path(data["state_dir"]) / "accounts-for-provider.csv"
        return data

    @model_validator(mode="after")
    def _one_source_of_accounts(self) -> Self:
        if self.accounts is not None and self.generate:
            raise ValueError(
                "give `accounts:` (the provider's sheet) or `generate: true`, not both."
            )
        if self.accounts is None and not self.generate:
            raise ValueError(
                "set `accounts:` to the provider's account sheet, or `generate: true` to let "
                "meetlink make the accounts."
            )
        if self.generate and self.export is None:
            raise ValueError(
                "with `generate: true`, set `export:` to the CSV file the provider will import; "
                "accounts the provider does not know cannot log in."
            )
        return self
