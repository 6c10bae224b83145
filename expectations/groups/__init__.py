"""Per feed group: the checks a spec cannot express (arithmetic, references, formats, signs).

Each module exports ``PERIOD_WINDOWS`` (``{feed: {field: (days before, days after) | None}}``,
tuning the generated "inside the delivery period" checks) and ``checks(feed, params)``.
"""

from __future__ import annotations

from types import ModuleType

from expectations.groups import casework, his, inventory, pharmacy, platform, reference

MODULES: dict[str, ModuleType] = {
    "reference": reference,
    "platform": platform,
    "his": his,
    "pharmacy": pharmacy,
    "inventory": inventory,
    "casework": casework,
}
