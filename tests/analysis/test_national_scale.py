"""The district-scale national synthesis (analysis.national_scale): its sections, compute then show."""

from __future__ import annotations

from pathlib import Path

from evaluation.synthetic.demo import OUTCOMES


def test_national_scale_sections_give_the_same_keys_in_any_order(national: Path, tmp_path: Path) -> None:
    """compute/show split of analysis.national_scale: the truth check does not depend on the effects having run."""
    from evaluation.notebook import open_national_scale

    def run(order: tuple[str, ...]) -> dict:
        ev = open_national_scale(str(national), str(national / "config.toml"), "en", str(tmp_path / "-".join(order)))
        shown = [getattr(ev, name)() for name in order]
        assert all(s is not None for s in shown)
        return ev.recorder.as_dict()

    forward = run(("sample", "effects", "truth_check"))
    backward = run(("truth_check", "effects", "sample"))
    assert forward == backward
    assert forward["national.truth_check.did_intervals"] == len(OUTCOMES)
    assert 0 <= forward["national.truth_check.did_covered"] <= len(OUTCOMES)
    assert "national.household_income.did.ci_low" in forward


def test_a_nationally_constant_outcome_is_said_and_the_others_are_kept(national: Path, tmp_path: Path) -> None:
    """Issue 13 kind 7 at national scale: a constant 0/1 outcome is said, the other outcomes are kept.

    The outcome that is 0 everywhere gets its reason, never a crash or a [0, 0] interval, and every other outcome
    keeps exactly the estimate it has without the degenerate one.
    """
    import dataclasses

    from evaluation.analysis.national_scale import compute_effects, show_effects
    from evaluation.notebook import open_national_scale

    ev = open_national_scale(str(national), str(national / "config.toml"), "en", str(tmp_path))
    data, design = ev.data, ev.design
    frame = data.frame.copy()
    frame["receives_social_assistance"] = 0.0
    flat = dataclasses.replace(data, frame=frame)
    outcomes = ["household_income", "receives_social_assistance", "savings"]
    result = compute_effects(flat, outcomes, design)
    clean = compute_effects(data, ["household_income", "savings"], design)
    assert result.keys["national.receives_social_assistance.did.reason"] == "no_variation"
    assert not any(k.startswith("national.receives_social_assistance.did.ci") for k in result.keys)
    assert {k: v for k, v in result.keys.items() if "receives_social_assistance" not in k} == clean.keys
    for language, words in (("id", "tidak bervariasi"), ("en", "did not vary")):
        table = show_effects(result, language).table
        assert list(table["outcome"]) == outcomes  # the config's order, the degenerate outcome in its place
        row = table.set_index("outcome").loc["receives_social_assistance"]
        assert row["did"] == words and row["did 95% CI"] == "–"
