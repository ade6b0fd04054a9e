"""
Line numbers of resources in pretty-printed JSON, whatever way the writer spelled their ids,
found in linear time (bench/linefinder.py has the figures).
"""

from __future__ import annotations

import json
import time

import pytest

from scanner.inventory.files import InventoryFile

SUB = "00000000-0000-0000-0000-000000000001"


def sites(n, name="app"):
    return {"value": [
        {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/{name}{i}",
         "name": f"{name}{i}", "type": "Microsoft.Web/sites", "properties": {"httpsOnly": True}}
        for i in range(n)]}


def lines_of(tmp_path, text):
    p = tmp_path / "inv.json"
    p.write_text(text, encoding="utf-8")
    return [r.line for r in InventoryFile(p)], text.splitlines()


@pytest.mark.parametrize("spell", [
    lambda d: json.dumps(d, indent=2),
    lambda d: json.dumps(d, indent=2).replace("/", "\\/"),
    lambda d: json.dumps(d, indent=2, ensure_ascii=False),
], ids=["ascii", "slash-escaped", "raw-utf8"])
@pytest.mark.parametrize("name", ["app", "appé", "app☃"])
def test_each_line_points_at_the_resource_id(tmp_path, spell, name):
    lines, text = lines_of(tmp_path, spell(sites(5, name)))
    assert all(n is not None for n in lines)
    assert [text[n - 1].strip().startswith('"id"') for n in lines] == [True] * 5
    assert [f"{name}{i}" in json.loads("{" + text[n - 1].rstrip(",") + "}")["id"]
            for i, n in enumerate(lines)] == [True] * 5


def test_arns_built_by_the_loader_point_at_the_instance_id(tmp_path):
    instances = [{"InstanceId": f"i-{i:04d}", "Placement": {"AvailabilityZone": "us-east-1a"}}
                 for i in range(4)]
    lines, text = lines_of(tmp_path, json.dumps(
        {"Reservations": [{"OwnerId": "111122223333", "Instances": instances}]}, indent=2))
    assert [text[n - 1].strip() for n in lines] == [f'"InstanceId": "i-{i:04d}",' for i in range(4)]


def test_ids_never_found_give_no_line_and_no_error(tmp_path):
    text = json.dumps(sites(20), indent=2).replace("/app", "/\\u0061pp").replace('"app', '"\\u0061pp')
    lines, _ = lines_of(tmp_path, text)
    assert len(lines) == 20 and set(lines) == {None}


@pytest.mark.parametrize("spell", [
    lambda d: json.dumps(d, indent=2, ensure_ascii=False),  # took 17 s before (quadratic)
    lambda d: json.dumps(d, indent=2).replace("/app", "/\\u0061pp").replace('"app', '"\\u0061pp'),  # 30 s
], ids=["raw-utf8", "needless-escapes"])
def test_ten_thousand_awkward_ids_read_in_linear_time(tmp_path, spell):
    # A time-bomb bound, not a measurement: ~0.1 s now, 17-30 s when each miss rescanned the file.
    text = spell(sites(10_000, "appé"))
    p = tmp_path / "inv.json"
    p.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    count = sum(1 for _ in InventoryFile(p))
    assert count == 10_000
    assert time.perf_counter() - start < 5
