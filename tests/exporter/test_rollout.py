"""The A/B rollout: a user keeps their strategy (a stable hash of the user id, the same in every
process), the shares come out near the split, growing a share only moves users to it, bad splits
are refused naming the item, and the duration histogram labels each summary with its strategy."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.rollout import Rollout, SplitError, parse_split
from exporter.strategies import make_strategy
from exporter.summary import User
from tests.support.inprocess import run_exporter
from tests.support.paths import REPO

USERS = [User(i, str(uuid.uuid5(uuid.NAMESPACE_URL, f"user-{i}")), f"user-{i}") for i in range(20_000)]


def rollout(text: str) -> Rollout:
    split = parse_split(text)
    return Rollout(split, {name: make_strategy(name) for name in split.names})


def shares(r: Rollout) -> Counter:
    return Counter(r.choose(u).name for u in USERS)


def test_the_shares_are_near_the_split():
    counted = shares(rollout("aggregate=90,naive=10"))
    assert abs(counted["aggregate"] / len(USERS) - 0.90) < 0.01
    assert abs(counted["naive"] / len(USERS) - 0.10) < 0.01
    three = shares(rollout("cached=50,aggregate=30,naive=20"))
    for name, share in (("cached", 0.5), ("aggregate", 0.3), ("naive", 0.2)):
        assert abs(three[name] / len(USERS) - share) < 0.015, three


def test_a_user_keeps_their_strategy_across_requests_and_processes():
    first = rollout("aggregate=90,naive=10")
    again = rollout("aggregate=90,naive=10")
    picked = {u.uuid: first.choose(u).name for u in USERS[:200]}
    assert all(first.choose(u).name == picked[u.uuid] for u in USERS[:200])
    assert all(again.choose(u).name == picked[u.uuid] for u in USERS[:200])
    # another interpreter, with another hash seed, assigns the same way
    code = ("import uuid; from exporter.rollout import Rollout, parse_split; from exporter.strategies import make_strategy;"
            "from exporter.summary import User; s = parse_split('aggregate=90,naive=10');"
            "r = Rollout(s, {n: make_strategy(n) for n in s.names});"
            "print(','.join(r.choose(User(i, str(uuid.uuid5(uuid.NAMESPACE_URL, f'user-{i}')), '')).name for i in range(200)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}, check=True).stdout.strip()
    assert out.split(",") == [picked[u.uuid] for u in USERS[:200]]


def test_growing_a_share_only_moves_users_towards_it():
    stages = [rollout(f"aggregate={a},naive={100 - a}") for a in (10, 50, 100)]
    for before, after in zip(stages, stages[1:]):
        moved = [u for u in USERS if before.choose(u).name != after.choose(u).name]
        assert moved and all(after.choose(u).name == "aggregate" for u in moved)
    assert set(shares(stages[-1])) == {"aggregate"}


@pytest.mark.parametrize("text, message", [
    ("aggregate=90,naive=20", "'aggregate=90,naive=20': the percentages add up to 110, not 100"),
    ("aggregate=90,naiv=10", "item 2 'naiv=10': unknown strategy 'naiv'; expected one of aggregate, naive, cached"),
    ("aggregate=90,aggregate=10", "item 2 'aggregate=10': aggregate is given twice"),
    ("aggregate=ninety,naive=10", "item 1 'aggregate=ninety': the percentage must be a whole number from 0 to 100"),
    ("aggregate=90.5,naive=9.5", "item 1 'aggregate=90.5': the percentage must be a whole number"),
    ("aggregate", "item 1 'aggregate': expected STRATEGY=PERCENT"),
    ("aggregate=100,", "item 2 '': expected STRATEGY=PERCENT"),
])
def test_a_bad_split_is_refused_naming_the_item(text, message):
    with pytest.raises(SplitError, match=None) as caught:
        parse_split(text)
    assert message in str(caught.value)


@pytest.mark.parametrize("args, message", [
    (("--strategy-split", "aggregate=90,naive=20"), "Invalid value for '--strategy-split'"),
    (("--strategy-split", "aggregate=100", "--strategy", "naive"), "give --strategy or --strategy-split, not both"),
    (("--cache", "redis://127.0.0.1:notaport/0"), "port 'notaport' is not a number"),
    (("--cache", "redis://127.0.0.1:6379/zero"), "database 'zero' is not a number"),
    (("--cache", "memcached://x"), "unknown scheme 'memcached'"),
    (("--cache", "redis://user:secret@127.0.0.1/0"), "no user or password in the URL"),
])
def test_bad_rollout_or_cache_options_are_usage_errors(tmp_path, args, message):
    ran = run_exporter("serve", "--db", str(tmp_path / "x.db"), "--port", "0", *args)
    assert ran.returncode == 2, ran.output
    assert message in ran.stderr and "Traceback" not in ran.output
    assert not (tmp_path / "x.db").exists()


def _observations(exporter) -> dict[str, float]:
    return {s.labels["strategy"]: s.value for family in text_string_to_metric_families(exporter.metrics_text())
            for s in family.samples if s.name == "ampel_dashboard_summary_duration_seconds_count"}


def test_each_summary_is_timed_under_the_strategy_its_user_got(start_exporter, db_copy):
    exporter = start_exporter(db_copy, "--strategy-split", "aggregate=50,naive=50")
    assert _observations(exporter) == {"aggregate": 0, "naive": 0}  # the served strategies, and only them
    picked = {}
    for token in ("token-small", "token-medium", "token-large", "token-very_large"):
        before = _observations(exporter)
        answers = [exporter.get("/api/dashboard/summary", token).json() for _ in range(3)]
        assert answers[0] == answers[1] == answers[2]
        grown = {name: n - before[name] for name, n in _observations(exporter).items() if n != before[name]}
        assert list(grown.values()) == [3], grown  # all three under one strategy
        picked[token] = next(iter(grown))
    # the same users, on a second replica, get the same strategies
    other = start_exporter(db_copy, "--strategy-split", "aggregate=50,naive=50")
    for token, name in picked.items():
        before = _observations(other)[name]
        assert other.get("/api/dashboard/summary", token).status_code == 200
        assert _observations(other)[name] == before + 1
    listening = next(r for r in exporter.records() if r.get("message") == "listening")
    assert listening["strategy"] == "aggregate=50,naive=50"


def test_a_strategy_the_catalog_cannot_label_is_refused_at_start(tmp_path):
    catalog = tmp_path / "ampel.yaml"
    text = (REPO / "catalog" / "ampel.yaml").read_text()
    old = "values: [aggregate, naive, cached, materialized, partitioned]"
    assert old in text  # else serve would start and never return
    catalog.write_text(text.replace(old, "values: [aggregate, cached]", 1))
    ran = run_exporter("serve", "--db", str(tmp_path / "x.db"), "--port", "0", "--catalog", str(catalog),
                       "--strategy-split", "aggregate=90,naive=10")
    assert ran.returncode == 3, ran.output
    line = text.splitlines().index("    labels:") + 1  # the histogram's labels, the first in the file
    assert f"{catalog}:{line}" in ran.stderr and "must allow naive" in ran.stderr
