"""The benchmark harness imports and builds its requests (it is run by hand, not here)."""

from __future__ import annotations

from bench import bare_app, loadgen, run


def test_scenarios_build_requests():
    seeded = run.Seeded(codes=["c1", "c2"])
    names = [scenario.name for scenario in run.SCENARIOS]
    assert "code exchange" in names
    for scenario in run.SCENARIOS:
        headers, bodies = scenario.build(seeded)
        assert scenario.path.startswith("/malls/{mall_id}/")
        assert 0 < scenario.goal <= 1
    assert bodies[0].startswith("grant_type=authorization_code&code=c1&")
    assert headers["Authorization"].startswith("Basic ")


def test_bare_app_and_python_load_generator(tmp_path):
    from .servers import serve_app

    with serve_app(bare_app.app) as base:
        result = loadgen.run(
            base, "POST", "/malls/m/api/v2/oauth/token", {}, iter(["a=b"] * 50), 4, 5
        )
    assert result.requests == 50 and result.errors == 0
    assert result.p50_ms <= result.p99_ms


def test_in_process_timing_runs_every_scenario_with_its_expected_answer(capsys):
    """bench/profile.py raises SystemExit when a request gets another status than the
    scenario expects, so this also checks the benchmark's requests are answered as meant."""
    from bench import profile

    assert profile.main(["--requests", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    timed = [line for line in lines if "authserver" in line and "x bare" in line]
    assert [line.split("  ")[0] for line in timed] == [s.name for s in run.SCENARIOS]
