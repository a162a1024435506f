"""The README's console examples are real runs (SPEC §16): every `$` line is run on
sample_data/ and the figures under it must be the ones the run prints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
examples = importlib.util.module_from_spec(_spec)
sys.modules["readme_examples"] = examples  # dataclasses look their module up
_spec.loader.exec_module(examples)


def _compare(shown: list[str], real: list[str], code: int = 0):
    command = examples.Command("chanops x", 0, [(n + 1, line) for n, line in enumerate(shown)])
    outcome = examples.Outcome()
    examples.compare(command, code, real, outcome)
    return outcome


def test_the_readme_examples_print_what_the_readme_shows():
    outcome = examples.check()
    assert not outcome.problems, "\n".join(outcome.problems) + "\n(python scripts/readme_examples.py --update)"
    assert outcome.commands >= 30
    # a block left out is marked in the README; only shell completion is, since it edits the
    # profile of whatever shell it detects (under make that is sh, which it refuses)
    why = "it edits the profile of the shell it detects from the terminal"
    readme = (examples.ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(readme, 1) if f"not run ({why})" in text) + 1  # the block under it
    assert outcome.skipped == [f"README.md:{line}: not run ({why})"]


def test_a_changed_count_fails_and_update_takes_the_real_line():
    outcome = _compare(["f.csv → orders: read 19,482, loaded 19,463"], ["f.csv → orders: read 19,516, loaded 19,463"])
    assert len(outcome.problems) == 1 and "19,516" in outcome.problems[0]
    assert outcome.replacements == {1: "f.csv → orders: read 19,516, loaded 19,463"}


def test_table_widths_may_change_but_not_the_figures():
    shown = ["│ 2022-11 │   324 │", "└─────────┴───────┘"]
    assert not _compare(shown, ["│ 2022-11 │  324 │", "└─────────┴──────┘"]).problems
    assert _compare(shown, ["│ 2022-11 │  325 │", "└─────────┴──────┘"]).problems


def test_an_ellipsis_stands_for_left_out_lines_and_nothing_else_is_left_out():
    real = ["head", "a 1", "b 2", "c 3", "tail 9"]
    assert not _compare(["head", "…", "tail 9"], real).problems
    assert not _compare(["head", "a 1", "…"], real).problems
    assert _compare(["head", "a 1"], real).problems  # the output goes on
    assert _compare(["head", "…", "tail 8"], real).problems
    assert _compare(["missing", "…"], real).problems


def test_a_command_with_no_output_shown_must_succeed():
    assert not _compare([], ["anything"]).problems
    assert _compare([], ["chanops: error: boom"], code=1).problems


def test_a_block_is_left_out_only_when_marked():
    lines = ["<!-- readme-example: not run (needs a cluster) -->", "```console", "$ chanops x", "```"]
    (block,) = examples.parse(lines)
    assert block.skipped == "needs a cluster" and block.setup is None
    (block,) = examples.parse(lines[1:])
    assert block.skipped is None
