"""Every generated argument mutant (tests/argument_mutants.py) is caught by some check of its feature,
or excused with a reason; an excused mutant that a check now catches is a stale excuse.

One child process per feature runs that feature's mutants (tests/argument_sweep.py): in-process
pytest runs of the family's checks, which a crash in one cannot take down with the selftest.
"""

from __future__ import annotations

import pytest

import reference
from tests import argument_mutants
from tests.mutant_sweep import in_child


@pytest.mark.parametrize("feature", sorted(reference.FEATURES))
def test_argument_mutants_caught(feature, tmp_path):
    mutants = argument_mutants.of_feature(feature)
    if not mutants:
        return  # no arguments: nothing to get wrong
    results = in_child("tests.argument_sweep", feature, out=tmp_path / "sweep.json")
    problems = []
    for m in mutants:
        r, reason = results[m.name], argument_mutants.excuse(m)
        if r["errors"]:
            problems.append(f"{m.name}: a check crashed instead of diverging: {r['errors'][0]}")
        elif r["caught_by"] and reason:
            problems.append(f"{m.name}: excused ({reason}) but caught by test_{r['caught_by']}: remove the excuse")
        elif not r["caught_by"] and not reason:
            problems.append(f"{m.name}: no check of {feature} caught it ({r['checks']} checks ran), and it is not "
                            f"excused: draw {m.argument} where it changes the result (reproduce: pytest "
                            f"conformance/ --adapter=tests.argument_mutants:{m.name} -p no:xdist "
                            f"--hypothesis-profile=mutants)")
    assert not problems, "\n".join(problems)


def test_excuses_name_generated_mutants():
    """Every EXCUSED pattern matches some generated mutant (no excuse outlives its mutant)."""
    unused = [key for key in argument_mutants.EXCUSED
              if not any(argument_mutants.matches(key, m) for m in argument_mutants.MUTANTS.values())]
    assert not unused, f"excuses matching no generated mutant: {unused}"
