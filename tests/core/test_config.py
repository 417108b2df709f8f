"""The configuration is checked at the boundary: unknown keys, wrong types and bad values are clear errors."""

from __future__ import annotations

import pytest

from evaluation.core.config import NATIONAL, load_config, with_overrides
from evaluation.core.errors import UserError
from evaluation.core.paths import DEFAULT_CONFIG, PROJ_ROOT


def test_default_config_has_the_five_prokus_regions():
    cfg = load_config()
    assert cfg.region_codes == ("3217", "3210", "3322", "3402", "31")
    assert cfg.region("31").name == "Provinsi DKI Jakarta"
    assert cfg.design.cluster == "village"
    assert set(cfg.analysis.headline) <= set(cfg.analysis.outcomes)


def _write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


def test_unknown_key_names_file_and_key(tmp_path):
    text = DEFAULT_CONFIG.read_text().replace("seed = 20201", "seed = 20201\nsede = 1")
    with pytest.raises(UserError, match=r"c\.toml.*unknown key\(s\) sede in \[run\]"):
        load_config(_write(tmp_path, text))


def test_wrong_type_and_bad_values(tmp_path):
    with pytest.raises(UserError, match=r"seed.*wrong type"):
        load_config(_write(tmp_path, DEFAULT_CONFIG.read_text().replace("seed = 20201", 'seed = "x"')))
    with pytest.raises(UserError, match="language"):
        load_config(_write(tmp_path, DEFAULT_CONFIG.read_text().replace('language = "id"', 'language = "fr"')))
    with pytest.raises(UserError, match="alpha"):
        load_config(_write(tmp_path, DEFAULT_CONFIG.read_text().replace("alpha = 0.05", "alpha = 1.5")))
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(_write(tmp_path, "[run\n"))
    with pytest.raises(UserError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_unknown_region_and_overrides():
    cfg = load_config()
    with pytest.raises(UserError, match="region '9999' is not configured"):
        cfg.region("9999")
    en = with_overrides(cfg, language="en")
    assert en.run.language == "en" and cfg.run.language == "id"
    assert en.scope_name(NATIONAL) == "National"
    with pytest.raises(UserError):
        with_overrides(cfg, language="xx")


def test_the_plan_uses_the_config_section_builder_for_lists_of_numbers(tmp_path):
    """core.config._build serves the config, targets and plan alike: lists of numbers are typed and checked."""
    from evaluation.core.plan import load_plan

    base = (PROJ_ROOT / "data" / "analysis_plan.toml").read_text(encoding="utf-8")
    shipped = "sensitivity_horizons = [1, 3, 5, 10]"
    assert shipped in base

    def plan_with(value: str):
        path = tmp_path / "plan.toml"
        path.write_text(base.replace(shipped, f"sensitivity_horizons = {value}"), encoding="utf-8")
        return load_plan(str(path))

    assert plan_with("[2, 4]").cost.sensitivity_horizons == (2, 4)
    for bad in ('[2, "x"]', "[true]", '"5"'):
        with pytest.raises(UserError, match="must be a list of numbers"):
            plan_with(bad)


@pytest.mark.parametrize(
    ("line", "value", "allowed"),
    [
        ("jobs = 2", "0", "from 1 to"),
        ("jobs = 2", "100000", "from 1 to"),
        ("blas_threads = 1", "-4", "from 1 to 256"),
        ("min_cell_size = 10", "0", "at least 3"),
        ("min_cell_size = 10", "2", "at least 3"),
        ("cell_timeout_seconds = 600", "0", "at least 1"),
        ("seed = 20201", "-5", "from 0 to"),
        ("max_input_mb = 200", "0", "at least 1"),
        ("max_compression_ratio = 100", "-1", "at least 1"),
    ],
)
def test_run_numbers_are_range_checked_with_the_allowed_range(tmp_path, line, value, allowed):
    key = line.split(" = ")[0]
    text = DEFAULT_CONFIG.read_text()
    assert line in text
    with pytest.raises(UserError, match=rf"\[run\] {key} = {value} is out of range.*{allowed}"):
        load_config(_write(tmp_path, text.replace(line, f"{key} = {value}", 1)))


def test_min_cell_size_below_ten_warns(tmp_path, capsys):
    text = DEFAULT_CONFIG.read_text().replace("min_cell_size = 10", "min_cell_size = 3", 1)
    assert load_config(_write(tmp_path, text)).run.min_cell_size == 3
    assert "disclosure control is weakened" in capsys.readouterr().err
    load_config(DEFAULT_CONFIG)
    assert "weakened" not in capsys.readouterr().err
