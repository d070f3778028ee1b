"""Registration before a meeting: forms sent out, returns collected, checked and merged.

Seeds 004 and 001: the committee sends its organizations a letter with a form, the forms come
back by a deadline, every cell is checked, valid returns go into a register in the state
folder, the committee approves or refuses each, and the approved ones become rows of the
meeting's roster (their party cells too, as points of their own).
"""

from __future__ import annotations

__all__: list[str] = []
