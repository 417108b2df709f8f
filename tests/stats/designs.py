"""The demo's design columns, shared by the tests that build small panels in its shape."""

from evaluation.core.config import DesignSettings

DEMO_DESIGN = DesignSettings(
    unit="family_id",
    period="wave",
    before="baseline",
    after="endline",
    group="group",
    treated_value="prokus",
    cluster="village",
    alpha=0.05,
)
