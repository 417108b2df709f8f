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
