"""The benchmark runner's summaries (bench/run.py) and its signed-in callers (bench/callers.py).

Every ratio is taken round by round (the same round's two figures) and reported as its median
with the min–max over the rounds; the targets' verdicts go by that median. The signed-in callers
are a real session and a real API key of the largest organization's editor, checked here
against the application as the benchmark's servers check them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from bench import run
from bench.callers import make_callers
from bench.generate import generate


def wrk_run(rps: float, p50: float, lone: float | None = None) -> dict:
    figures = {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p50 * 3,
        "requests": 100,
        "errors_status": 0,
        "errors_timeout": 0,
        "errors_connect": 0,
    }
    if lone is not None:
        figures["lone_p50_ms"] = lone
    return figures


def result(size: str, runs: dict[str, list[dict]]) -> dict:
    """A measured size as measure_size returns it, with these runs (one per round)."""
    return {
        "size": size,
        "runs": runs,
        "memory": {},
        "available": {key: 200 for key in runs},
        "queries": {},
        "same_json": {},
        "connections": 4,
    }


def rows_by_label(rows):
    return {label: (verdict, measured) for label, verdict, measured in rows}


def test_a_ratio_pairs_the_same_rounds_and_leaves_out_a_missing_figure():
    assert run.round_ratios([10, 20, None, 30, 8], [5, 10, 4, 0, 4]) == [2.0, 2.0, 2.0]
    assert run.round_ratios([1.0, 2.0], []) == []


def test_a_spread_is_the_median_with_the_min_and_max_over_the_rounds():
    figures = run.spread([0.58, 0.47, None, 0.52])
    assert figures == {"median": 0.52, "min": 0.47, "max": 0.58, "rounds": 3}
    assert run._fmt_spread(figures) == "0.52 (0.47–0.58)"
    assert run._fmt_spread(run.spread([12.25, 14.0]), 1, " ms") == "13.1 ms (12.2–14.0 ms)"
    assert run.spread([None]) is None and run._fmt_spread(None) == "–"


def test_the_verdict_goes_by_the_median_of_the_rounds_ratios_not_the_ratio_of_medians():
    # Rounds: ours ÷ B0 = 0.25, 0.75, 0.20 -> median 0.25, NOT met; the medians' ratio (20 / 40
    # = 0.5) would have said met.
    measured = result(
        "10k",
        {
            "ours list500": [wrk_run(10, 1), wrk_run(30, 1), wrk_run(20, 1)],
            "B0 list500": [wrk_run(40, 1), wrk_run(40, 1), wrk_run(100, 1)],
            "B1 list500": [wrk_run(2, 1), wrk_run(5, 1), wrk_run(5, 1)],
        },
    )
    rows = rows_by_label(run.targets([measured]))
    assert rows["10k: list of 500, ours ≥ 0.5 × B0 (req/s)"] == ("NOT met", "0.25 (0.20–0.75)")
    assert rows["10k: list of 500, ours ≥ 3 × B1 (req/s)"] == ("met", "5.00 (4.00–6.00)")
    assert rows["10k: 304 ≥ 3 × full answer (req/s)"][0] == "not measured"


def test_signed_in_pages_are_compared_with_the_anonymous_ones_by_p50_latency():
    measured = result(
        "1m",
        {
            "ours list50": [wrk_run(50, 100), wrk_run(50, 100), wrk_run(50, 100)],
            "ours list50_session": [wrk_run(40, 120), wrk_run(40, 160), wrk_run(40, 140)],
            "ours list50_key": [wrk_run(30, 150), wrk_run(30, 170), wrk_run(30, 180)],
            "ours dashboard": [wrk_run(9, 400, 120), wrk_run(9, 420, 140), wrk_run(9, 380, 160)],
        },
    )
    rows = rows_by_label(run.targets([measured]))
    session = "1m: list50_session within 1.5 × list50 (p50 signed-in ÷ p50 anonymous)"
    key = "1m: list50_key within 1.5 × list50 (p50 signed-in ÷ p50 anonymous)"
    assert rows[session] == ("met", "1.40 (1.20–1.60)")
    assert rows[key] == ("NOT met", "1.70 (1.50–1.80)")
    lone = rows["1m: dashboard p50 under 150 ms, lone requests, one after the other"]
    loaded = rows["1m: dashboard p50 under 150 ms, under load, wrk's 4 connections"]
    assert lone == ("met", "140.0 ms (120.0–160.0 ms)")
    assert loaded == ("NOT met", "400.0 ms (380.0–420.0 ms)")
    table = run.table([measured])
    assert (
        "| 1m | list50_session | ours | 40.0 | 140.0 | 420.0 | – | – |  |  | 1.40 (1.20–1.60) |"
        in (table)
    )
    assert "| 1m | dashboard | ours | 9.0 | 400.0 | 1,200.0 | 140.0 | – |" in table


def test_scaling_pairs_round_i_at_1m_with_round_i_at_10k():
    small = result("10k", {"ours search_rare": [wrk_run(1, 10), wrk_run(1, 20), wrk_run(1, 10)]})
    large = result("1m", {"ours search_rare": [wrk_run(1, 25), wrk_run(1, 30), wrk_run(1, 40)]})
    rows = rows_by_label(run.targets([small, large]))
    assert rows["search_rare: p50 at 1M ÷ p50 at 10k ≤ 3.0 (round i ÷ round i)"] == (
        "met",
        "2.50 (1.50–4.00)",
    )
    alone = rows_by_label(run.targets([small]))
    assert [verdict for label, (verdict, _) in alone.items() if label.startswith("scaling")] == [
        "not measured"
    ]


def test_the_report_states_the_load_average_before_and_after_the_run():
    measured = result("10k", {"ours list50": [wrk_run(50, 100)]})
    text = run.report(
        [measured],
        "python -m bench.run",
        load={"before": (0.5, 0.25, 0.125), "after": (2.0, 1.0, 0.75)},
    )
    assert "before the run: 0.50, 0.25, 0.12; after: 2.00, 1.00, 0.75" in text


RUNNER_KILLED_WHILE_SERVING = """
import subprocess, time
from bench import run

run.unwind_on_sigterm()
server = run.Server(app="ours", process=subprocess.Popen(["sleep", "300"]), port=0)
try:
    print(server.process.pid, flush=True)  # inside the try: the kill may follow at once
    time.sleep(300)
finally:
    server.stop()
"""


def test_a_runner_killed_with_sigterm_stops_the_servers_it_started():
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER_KILLED_WHILE_SERVING],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    server_pid = int(runner.stdout.readline())
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=30) == 128 + signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)


def test_the_search_terms_come_from_an_identifier():
    assert run.search_terms(94685, "KZ-ASTAN3-P0094685") == {
        "rare_word": "94685",
        "fragment": "KZ-ASTAN",
    }


def test_signed_in_cases_carry_the_callers_credentials(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", run.ENV["SECRET_KEY"])  # the deep case's signed cursor
    callers = {"cookie_name": "sessionid", "session": "abc", "api_key": "srr_x_y"}
    marks = {
        "deep_after": "KZ-ASTAN3-P0000001",
        "deep_page": 2,
        "detail": "KZ-ASTAN3-P0000002",
        "events_since": 1,
        "events_page": 2,
        "rare_word": "2",
        "fragment": "KZ-ASTAN",
    }
    cases = {case.name: case for case in run.build_cases(marks, list(run.CASES), '"etag"', callers)}
    assert set(cases) == set(run.CASES) and set(run.CASE_TITLES) == set(run.CASES)
    assert cases["list50_session"].headers == {"Cookie": "sessionid=abc"}
    assert (
        cases["html_session"].headers == cases["dashboard"].headers == {"Cookie": "sessionid=abc"}
    )
    assert cases["list50_key"].headers == {"Authorization": "Bearer srr_x_y"}
    assert cases["list50"].headers == {} and set(cases["dashboard"].paths) == {"ours"}
    assert cases["search_identifier"].paths["B0"] == "/api/v1/projects/?q=KZ-ASTAN"
    assert cases["search_rare"].paths["B1"] == "/api/v1/projects/?q=2"


@pytest.mark.postgres_only
def test_the_callers_are_signed_in_and_the_search_terms_find_the_median_project(db):
    generate(connection, 50)
    callers = make_callers()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organization_id FROM projects_project GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        assert callers["organization"] == cursor.fetchone()[0]
        cursor.execute(
            "SELECT identifier FROM projects_project WHERE organization_id = %s "
            "AND workflow_state IN ('draft', 'submitted')",
            [callers["organization"]],
        )
        unpublished = {row[0] for row in cursor.fetchall()}
    assert unpublished  # the generator gives the largest organization one at least
    headers = run.caller_headers(callers)
    session = {"HTTP_COOKIE": headers["session"]["Cookie"]}
    key = {"HTTP_AUTHORIZATION": headers["key"]["Authorization"]}
    client = Client()

    def seen(**credential):
        return {
            row["identifier"]
            for state in run.UNPUBLISHED
            for row in client.get(
                f"/api/v1/projects/?workflow_state={state}&page_size=500", **credential
            ).json()["results"]
        }

    assert seen() == set()
    for credential in (session, key):
        assert client.get("/api/v1/api-keys/", **credential).status_code == 200
        assert seen(**credential) == unpublished
    assert client.get("/api/v1/api-keys/").status_code in (401, 403)
    assert client.get("/dashboard/", **session).status_code == 200
    # Run again (the benchmark on the same database): a new key, the earlier one revoked.
    again = make_callers()
    assert again["api_key"] != callers["api_key"]
    assert client.get("/api/v1/projects/", **key).status_code == 401
    renewed = {"HTTP_AUTHORIZATION": f"Bearer {again['api_key']}"}
    assert client.get("/api/v1/projects/", **renewed).status_code == 200

    listed = client.get("/api/v1/projects/?page_size=500").json()["results"]
    median = listed[len(listed) // 2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM projects_project WHERE identifier = %s", [median["identifier"]]
        )
        terms = run.search_terms(cursor.fetchone()[0], median["identifier"])
    rare = client.get(f"/api/v1/projects/?q={terms['rare_word']}").json()["results"]
    assert median["identifier"] in {row["identifier"] for row in rare} and len(rare) < 5
    fragment = client.get(f"/api/v1/projects/?q={terms['fragment']}&page_size=500").json()
    assert fragment["results"]
    assert all(terms["fragment"] in row["identifier"] for row in fragment["results"])
    assert client.get("/api/v1/projects/?q=zzzz").json()["results"] == []
