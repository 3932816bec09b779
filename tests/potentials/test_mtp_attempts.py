"""potentials/learn/LiPS_mtp_attempts.csv, the table of Li-P-S MTPs tried for both the glass and the Li-rich
interface (potentials/README.md cites it): every number in it is recomputed from the seed-check records it names
(glass PS4 opening rates against the teacher MD the shipped MTP's card carries, as ship.py computes them; runs
held), every record belongs to the generation the row names, and every learning plan exists. A row typed by hand,
or left behind when a record changed, fails here."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
sys.path.insert(0, str(LEARN))

import ship  # noqa: E402

TABLE = LEARN / "LiPS_mtp_attempts.csv"
#: the teacher's own MD that ship.py compared the shipped MTP against; every row is compared with the same runs
SHIPPED_CARD = REPO / "potentials" / "LiPS_mtp_learned.almtp.json"
ROWS = list(csv.DictReader(TABLE.open())) if TABLE.is_file() else []


def _record(name: str) -> dict:
    return json.loads((LEARN / name).read_text())


def _held(record: dict) -> str:
    runs = record["runs"].values()
    return f"{sum(bool(r.get('completed')) for r in runs)}/{len(runs)}"


def test_the_table_exists_and_covers_the_shipped_mtp():
    assert ROWS, f"{TABLE} is missing or empty"
    assert any(r["glass_check"] == "LiPS_mtp_learned_seed_check.json" for r in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[f"{k}-{r['attempt'][:30]}" for k, r in enumerate(ROWS)])
def test_each_row_is_what_its_records_say(row):
    assert (LEARN / row["learning_plan"]).is_file(), row["learning_plan"]
    glass = _record(row["glass_check"])
    generation = None if row["generation"] == "" else int(row["generation"])
    assert glass["generation"] == generation
    assert glass["dump_every_ps"] == pytest.approx(0.1) and len(glass["seeds"]) == 20
    teacher = json.loads(SHIPPED_CARD.read_text())["validation"]["teacher_ps4_checks"]
    rates = ship.opening_rates(glass, teacher)["glass1000K"]
    assert float(row["glass_openings_per_anion_ps"]) == pytest.approx(rates["student"]["per_anion_ps"], abs=1e-5)
    assert float(row["glass_ratio"]) == pytest.approx(rates["ratio"], abs=1e-3)
    assert [float(row["glass_ratio_lo"]), float(row["glass_ratio_hi"])] == pytest.approx(rates["ratio_ci95"],
                                                                                          abs=1e-3)
    assert row["glass_held"] == _held(glass)
    worst = min(int(r["worst"][ship.PS4.label].split("/")[0]) for r in glass["runs"].values() if "worst" in r)
    assert int(row["glass_worst_ps4"]) == worst
    for cell in ("interface258", "interface206"):
        name = row[f"{cell}_check"]
        if not name:
            assert row[f"{cell}_held"] == ""
            continue
        record = _record(name)
        assert record["generation"] == generation and len(record["seeds"]) == 10
        assert row[f"{cell}_held"] == _held(record)
