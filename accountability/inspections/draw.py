"""The spot-check draw: strata, allocation and the seeded random draw.

Pure functions of (seed, population) so a stored draw can be re-run and
compared ("verify").

Method (shown on the spot-check page):
- Population: the branches and general branches in the organising
  organisation's subtree that are not dissolved.
- Strata: area (the organisation directly below the organiser the branch
  lies in, e.g. the city under a province) × sector × size band (current
  members: fewer than 10, 10–49, 50 or more).
- Allocation: every non-empty stratum gets one branch; each further branch
  goes to the stratum furthest below its proportional share n × Nᵢ / N
  (ties: the first stratum in order), never more than the stratum holds. The
  sizes add up to n (or to N when the population is smaller).
- Draw: one `random.Random(seed)`; strata in sorted key order, the ids of
  each stratum sorted, `sample(ids, allocation)`; then for every drawn branch
  in ascending id order, `sample(sorted current member ids, m)`.
"""

from __future__ import annotations

import hashlib
import json
import random
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

METHOD = _(
    "Population: the branches and general branches in the organising organisation's "
    "subtree that are not dissolved. Strata: area (the organisation directly below the "
    "organiser, e.g. the city) × sector × size band (fewer than 10, 10–49, 50 or more current "
    "members). Allocation: every non-empty stratum gets one branch; each further branch goes "
    "to the stratum furthest below its proportional share n × Nᵢ / N (ties: the first stratum "
    "in order), never more than the stratum holds, so the sizes add up to n. Draw: one "
    "random generator seeded with the stored seed; strata in sorted order, the ids of each "
    "stratum sorted, a simple random sample of the allocated size; then, for every drawn "
    "branch in ascending id order, a sample of its current members. Anyone may re-run the "
    "draw from the stored seed and population snapshot (“Verify the draw”)."
)


def size_band(members: int) -> str:
    if members < 10:
        return "lt10"
    if members < 50:
        return "10to49"
    return "ge50"


def stratum_key(area: int, sector: str, band: str) -> str:
    return f"{area}|{sector}|{band}"


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Branches to draw per stratum (see the module text). Strata with no branch get 0."""
    keys = sorted(k for k, size in sizes.items() if size > 0)
    total = sum(sizes[k] for k in keys)
    allocation = dict.fromkeys(sorted(sizes), 0)
    if total == 0:
        return allocation
    n = min(n, total)
    if n < len(keys):
        raise ValueError("fewer branches to draw than non-empty strata")
    for k in keys:
        allocation[k] = 1
    for _step in range(n - len(keys)):
        best, best_gap = None, None
        for k in keys:
            if allocation[k] >= sizes[k]:
                continue
            gap = Fraction(n * sizes[k], total) - allocation[k]
            if best_gap is None or gap > best_gap:
                best, best_gap = k, gap
        allocation[best] += 1
    return allocation


def run(seed: int, population: dict, n: int, m: int) -> dict:
    """Replay the draw: {"branches": {stratum key: [ids]}, "members": {branch id: [ids]}}."""
    rng = random.Random(seed)  # noqa: S311 - an auditable draw, not a secret
    strata = {s["key"]: sorted(s["ids"]) for s in population.get("strata", [])}
    allocation = allocate({k: len(ids) for k, ids in strata.items()}, n)
    branches: dict[str, list[int]] = {}
    for key in sorted(strata):
        branches[key] = sorted(rng.sample(strata[key], allocation[key]))
    members: dict[str, list[int]] = {}
    pool = population.get("members", {})
    for branch_id in sorted(b for ids in branches.values() for b in ids):
        ids = sorted(pool.get(str(branch_id), []))
        members[str(branch_id)] = sorted(rng.sample(ids, min(m, len(ids))))
    return {"branches": branches, "members": members}


def digest(population: dict) -> str:
    """A fingerprint of the stored population: any change to it shows in verify."""
    text = json.dumps(population, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
