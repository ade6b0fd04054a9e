"""
Control roll-up, status by status: every rule of `_status` and of the policy mapping.
"""

from __future__ import annotations

import pytest

from scanner.controls import ControlTracker
from scanner.findings import Finding
from scanner.policy.catalog import Catalog
from scanner.policy.model import Control, Framework, Policy


def policy(pid: str, frameworks: dict[str, list[str]] | None = None) -> Policy:
    return Policy(id=pid, title=pid, severity="high", types=("t",), type_names=("T",),
                  check=lambda doc, reads, el: True, expectation="x", frameworks=frameworks or {})


def finding(pid: str, status: str) -> Finding:
    return Finding(id="f", policy_id=pid, title=pid, severity="high", status=status,  # type: ignore[arg-type]
                   message="", resource={}, evidence=())


def tracker(controls: list[Control], policies: list[Policy], fw_id: str = "fw") -> ControlTracker:
    fw = Framework(fw_id, "Framework", "1", tuple(controls))
    return ControlTracker(Catalog(policies=policies, frameworks={fw_id: fw}))


def control(cid: str, *pids: str) -> Control:
    return Control(cid, f"title of {cid}", "", pids)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "not_applicable"),  # mapped, evaluated, but no resource in scope
        (["pass"], "pass"),
        (["pass", "pass"], "pass"),
        (["pass", "waived"], "waived"),
        (["waived"], "waived"),
        (["unknown"], "unknown"),
        (["pass", "unknown"], "unknown"),
        (["error"], "unknown"),
        (["pass", "error", "waived"], "unknown"),
        (["fail"], "fail"),
        (["pass", "unknown", "error", "waived", "fail"], "fail"),
    ],
)
def test_status_of_one_control(statuses, expected):
    t = tracker([control("C1", "P1")], [policy("P1")])
    for s in statuses:
        t.add(finding("P1", s))
    (entry,) = t.rollup()
    assert entry["status"] == expected
    for s in ("pass", "fail", "unknown", "error", "waived"):
        assert entry["counts"][s] == statuses.count(s)


def test_entry_shape_and_counts_summed_over_mapped_policies():
    t = tracker([control("C1", "P2", "P1")], [policy("P1"), policy("P2"), policy("P3")])
    for pid, s in [("P1", "pass"), ("P2", "pass"), ("P2", "fail"), ("P3", "fail"), ("P1", "pass")]:
        t.add(finding(pid, s))
    assert t.rollup() == [{
        "framework": "fw", "id": "C1", "title": "title of C1", "status": "fail",
        "policies": ["P1", "P2"],  # sorted; P3 is not mapped and does not count
        "counts": {"pass": 3, "fail": 1, "unknown": 0, "error": 0, "waived": 0},
    }]


def test_policy_claiming_a_control_maps_it_without_the_framework_listing_it():
    t = tracker([control("C1"), control("C2")],
                [policy("P1", {"fw": ["C2"]}), policy("P2", {"other": ["C1"]})])
    t.add(finding("P1", "pass"))
    t.add(finding("P2", "fail"))  # claims C1 of another framework: not this one's C1
    c1, c2 = t.rollup()
    assert (c1["id"], c1["status"], c1["policies"]) == ("C1", "manual", [])
    assert (c2["id"], c2["status"], c2["policies"]) == ("C2", "pass", ["P1"])


def test_union_of_both_sides_of_the_mapping():
    t = tracker([control("C1", "P1")], [policy("P1"), policy("P2", {"fw": ["C1"]})])
    t.add(finding("P1", "pass"))
    t.add(finding("P2", "unknown"))
    (entry,) = t.rollup()
    assert entry["policies"] == ["P1", "P2"] and entry["status"] == "unknown"


def test_control_mapped_to_policies_not_in_the_scan_is_not_evaluated():
    t = tracker([control("C1", "GONE"), control("C2")], [policy("P1")])
    t.add(finding("P1", "pass"))
    c1, c2 = t.rollup()
    assert (c1["status"], c1["policies"]) == ("not_evaluated", [])
    assert c1["counts"] == {"pass": 0, "fail": 0, "unknown": 0, "error": 0, "waived": 0}
    assert c2["status"] == "manual"


def test_claimed_only_by_a_policy_not_selected_is_not_evaluated():
    # The catalog still holds the policy (claims C1) but the tracker only counts loaded ones.
    t = tracker([control("C1")], [policy("P1", {"fw": ["C1"]})])
    t.per_policy.pop("P1")
    (entry,) = t.rollup()
    assert entry["status"] == "not_evaluated"


def test_every_framework_in_order_and_each_control_in_file_order():
    fw1 = Framework("b", "B", "1", (control("Z9", "P1"), control("A1", "P1")))
    fw2 = Framework("a", "A", "1", (control("M1", "P1"),))
    t = ControlTracker(Catalog(policies=[policy("P1")], frameworks={"b": fw1, "a": fw2}))
    t.add(finding("P1", "fail"))
    assert [(c["framework"], c["id"], c["status"]) for c in t.rollup()] == [
        ("b", "Z9", "fail"), ("b", "A1", "fail"), ("a", "M1", "fail")]


def test_counts_start_at_zero_for_every_status_of_every_policy():
    t = tracker([control("C1", "P1")], [policy("P1"), policy("P2")])
    assert t.per_policy == {p: {"pass": 0, "fail": 0, "unknown": 0, "error": 0, "waived": 0}
                            for p in ("P1", "P2")}
    t.add(finding("P2", "error"))
    t.add(finding("P2", "error"))
    assert t.per_policy["P2"]["error"] == 2 and t.per_policy["P1"]["error"] == 0
