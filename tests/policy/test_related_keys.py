"""
Relations matched on a field other than the ARM id: a forward `key`, a reverse `from`, and
`sameAs` (a field of the judged resource, read from inside a relation). Expected values are
written by hand; each test can fail if the lookup or its case rules change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.inventory.resource import Resource
from scanner.relindex import RelatedMissing, RelationIndex, ref_key
from tests.policy.helpers import compile_related, run_related

SG = "AWS::EC2::SecurityGroup"
INSTANCE = {"id": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc", "type": "AWS::EC2::Instance",
            "properties": {"SecurityGroups": [{"GroupId": "sg-0aaa"}, {"GroupId": "sg-0bbb"}]}}


def sg(group_id: str, open_ingress: bool = False, n: int = 0) -> dict[str, Any]:
    cidr = "0.0.0.0/0" if open_ingress else "10.0.0.0/8"
    return {"id": f"arn:aws:ec2:eu-west-1:111122223333:security-group/{group_id}-{n}", "type": SG,
            "properties": {"GroupId": group_id, "IpPermissions": [{"IpRanges": [{"CidrIp": cidr}]}]}}


NO_OPEN = {"related": {"type": SG, "via": "properties.SecurityGroups[*].GroupId", "key": "properties.GroupId",
                       "where": {"field": "properties.IpPermissions[*].IpRanges[*].CidrIp",
                                 "notEquals": "0.0.0.0/0"}}}

SUB = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg/providers"
RA = "Microsoft.Authorization/roleAssignments"
PID = "6f0c2d1e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
SITE = {"id": f"{SUB}/Microsoft.Web/sites/app1", "type": "Microsoft.Web/sites",
        "identity": {"type": "SystemAssigned", "principalId": PID},
        "properties": {"virtualNetworkSubnetId": f"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/apps"}}
ACCOUNT = f"{SUB}/Microsoft.CognitiveServices/accounts/oai1"


def ra(name: str, principal: str, scope: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/00000000-0000-0000-0000-0000000000a1/providers/{RA}/{name}", "type": RA,
            "properties": {"principalId": principal, "scope": scope, "principalType": "ServicePrincipal"}}


ON_ACCOUNTS = {"count": {"related": {"type": RA, "refersBack": "properties.principalId", "from": "identity.principalId"},
                         "where": {"field": "properties.scope", "like": "*/providers/Microsoft.CognitiveServices/accounts/*"}},
               "greaterOrEquals": 1}


compile_root = compile_related


run = run_related


# --- forward `key` ---------------------------------------------------------------------------

def test_key_passes_when_every_referenced_group_holds():
    ok, reads = run(NO_OPEN, INSTANCE, [sg("sg-0aaa"), sg("sg-0bbb"), sg("sg-0ccc", True)])
    assert ok is True
    assert any("security-group/sg-0aaa-0]" in p for p, _ in reads)


def test_key_fails_when_one_referenced_group_is_open_and_evidence_names_it():
    ok, reads = run(NO_OPEN, INSTANCE, [sg("sg-0aaa"), sg("sg-0bbb", True)])
    assert ok is False
    bad = [(p, v) for p, v in reads if "sg-0bbb-0" in p]
    assert bad and bad[0][0].endswith("properties.IpPermissions[*].IpRanges[*].CidrIp")
    assert bad[0][1] == ["0.0.0.0/0"]


def test_key_value_missing_from_the_inventory_is_unknown_naming_the_value():
    with pytest.raises(RelatedMissing, match="properties.GroupId = sg-0bbb is in"):
        run(NO_OPEN, INSTANCE, [sg("sg-0aaa")])


def test_key_held_by_two_targets_is_unknown_not_a_guess():
    with pytest.raises(RelatedMissing, match="ambiguous: 2"):
        run(NO_OPEN, INSTANCE, [sg("sg-0aaa"), sg("sg-0bbb"), sg("sg-0bbb", True, n=1)])


def test_other_keys_compare_exactly_aws_ids_are_case_sensitive():
    with pytest.raises(RelatedMissing):
        run(NO_OPEN, INSTANCE, [sg("sg-0aaa"), sg("SG-0BBB")])


def test_key_across_files_in_a_whole_scan(tmp_path: Path, ccscan):
    pol = tmp_path / "p.yaml"
    pol.write_text(
        "id: T-SG-1\ntitle: no open groups\nseverity: high\nresource: AWS::EC2::Instance\n"
        "description: d\nremediation: r\nassert:\n"
        "  related: {type: 'AWS::EC2::SecurityGroup', via: 'properties.SecurityGroups[*].GroupId',\n"
        "            key: properties.GroupId, where: {field: 'properties.IpPermissions[*].IpRanges[*].CidrIp',"
        " notEquals: 0.0.0.0/0}}\n")
    import json
    inv = tmp_path / "inv"
    inv.mkdir()
    second = {**INSTANCE, "id": INSTANCE["id"] + "2",
              "properties": {"SecurityGroups": [{"GroupId": "sg-0bbb"}]}}
    third = {**INSTANCE, "id": INSTANCE["id"] + "3", "properties": {"SecurityGroups": [{"GroupId": "sg-0zzz"}]}}
    (inv / "a.json").write_text(json.dumps([{**INSTANCE, "properties": {"SecurityGroups": [{"GroupId": "sg-0aaa"}]}},
                                            second, third]))
    (inv / "b.json").write_text(json.dumps([sg("sg-0aaa"), sg("sg-0bbb", True)]))
    res = ccscan("scan", str(inv), "--policies", str(pol), "--format", "json")
    status = {f["resource"]["id"].rsplit("/", 1)[-1]: f["status"] for f in res.json()["findings"]}
    assert status == {"i-0abc": "pass", "i-0abc2": "fail", "i-0abc3": "unknown"}


def test_key_needs_via():
    _, _, messages = compile_root({"related": {"type": SG, "child": "x", "key": "properties.GroupId"}})
    assert any("needs 'via'" in m.message for m in messages)


def test_the_index_keeps_the_key_path_and_only_the_paths_read():
    index = RelationIndex(compile_root(NO_OPEN)[1])
    big = sg("sg-0aaa")
    big["properties"]["Description"] = "x" * 1000
    index.add(Resource(big))
    [kept] = index.referring(SG.lower(), ("properties", "GroupId"), "sg-0aaa")
    assert kept["properties"] == {"GroupId": "sg-0aaa", "IpPermissions": [{"IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}


# --- reverse `from` ---------------------------------------------------------------------------

def test_from_counts_role_assignments_of_the_identity_guid_without_case():
    docs = [ra("r1", PID.upper(), ACCOUNT), ra("r2", PID, f"{SUB}/Microsoft.Storage/storageAccounts/st1"),
            ra("r3", "11111111-2222-3333-4444-555555555555", ACCOUNT)]
    ok, reads = run(ON_ACCOUNTS, SITE, docs)
    assert ok is True
    assert [v for p, v in reads if p.startswith("count(")] == [1]


def test_from_with_no_matching_assignment_counts_zero():
    ok, reads = run(ON_ACCOUNTS, SITE, [ra("r2", PID, f"{SUB}/Microsoft.Storage/storageAccounts/st1")])
    assert ok is False
    assert [v for p, v in reads if p.startswith("count(")] == [0]


def test_from_a_missing_field_counts_zero():
    no_identity = {k: v for k, v in SITE.items() if k != "identity"}
    ok, reads = run(ON_ACCOUNTS, no_identity, [ra("r1", PID, ACCOUNT)])
    assert ok is False and [v for p, v in reads if p.startswith("count(")] == [0]


def test_from_star_walks_user_assigned_identities_by_value_and_counts_each_target_once():
    cond = {"count": {"related": {"type": RA, "refersBack": "properties.principalId",
                                  "from": "identity.userAssignedIdentities[*].principalId"}}, "equals": 2}
    uami = {**SITE, "identity": {"type": "UserAssigned", "userAssignedIdentities": {
        f"{SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/u1": {"principalId": PID, "clientId": "c"},
        f"{SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/u2": {"principalId": PID.upper()},
        f"{SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/u3": None}}}
    docs = [ra("r1", PID, ACCOUNT), ra("r2", PID, ACCOUNT + "2")]
    assert run(cond, uami, docs)[0] is True  # r1 and r2, each once although two identities name them


def test_from_needs_refers_back():
    _, _, messages = compile_root({"count": {"related": {"type": RA, "children": True, "from": "a"}}, "equals": 0})
    assert any("needs 'refersBack'" in m.message for m in messages)


@given(st.text(max_size=40), st.booleans())
def test_ref_key_folds_guids_and_ids_and_keeps_other_text(text: str, upper: bool):
    value = text.upper() if upper else text
    key = ref_key(value)
    if value.strip().startswith("/"):
        assert key == value.strip().rstrip("/").lower()
    else:
        assert key.lower() == ref_key(value.lower()).lower()


@pytest.mark.parametrize(("ref", "key"), [
    ("6F0C2D1E-1B2A-4C3D-9E8F-0A1B2C3D4E5F", "6f0c2d1e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"),
    ("sg-0ABC", "sg-0ABC"),
    ("6F0C2D1E-1B2A-4C3D-9E8F-0A1B2C3D4E5FX", "6F0C2D1E-1B2A-4C3D-9E8F-0A1B2C3D4E5FX"),
])
def test_guid_case_rule(ref: str, key: str):
    assert ref_key(ref) == key


# --- sameAs ------------------------------------------------------------------------------------

LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
ZONE = {"id": f"{SUB}/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com",
        "type": "Microsoft.Network/privateDnsZones"}


def link(name: str, vnet: str) -> dict[str, Any]:
    return {"id": f"{ZONE['id']}/virtualNetworkLinks/{name}", "type": LINK,
            "properties": {"virtualNetwork": {"id": vnet}}}


LINKED_TO_MY_VNET = {"related": {"type": "Microsoft.Network/privateDnsZones", "via": "properties.zone",
                                 "where": {"count": {"related": {"type": LINK, "children": True},
                                                     "where": {"field": "properties.virtualNetwork.id",
                                                               "sameAs": {"field": "properties.virtualNetworkSubnetId",
                                                                          "parent": True}}},
                                           "greaterOrEquals": 1}}}
CALLER = {**SITE, "properties": {**SITE["properties"], "zone": ZONE["id"]}}


def test_same_as_compares_with_the_judged_resource_from_inside_relations():
    mine = link("l1", f"{SUB.upper()}/Microsoft.Network/virtualNetworks/VNET1")
    other = link("l2", f"{SUB}/Microsoft.Network/virtualNetworks/vnet2")
    assert run(LINKED_TO_MY_VNET, CALLER, [ZONE, mine, other])[0] is True
    assert run(LINKED_TO_MY_VNET, CALLER, [ZONE, other])[0] is False


def test_same_as_with_the_judged_field_missing_is_false():
    no_subnet = {**CALLER, "properties": {"zone": ZONE["id"]}}
    assert run(LINKED_TO_MY_VNET, no_subnet, [ZONE, link("l1", f"{SUB}/Microsoft.Network/virtualNetworks/vnet1")])[0] is False


def test_same_as_at_the_top_level_reads_the_resource_itself():
    cond = {"field": "properties.other", "sameAs": "properties.virtualNetworkSubnetId"}
    doc = {**SITE, "properties": {**SITE["properties"], "other": SITE["properties"]["virtualNetworkSubnetId"].upper()}}
    assert run(cond, doc, [])[0] is True
    assert run(cond, {**doc, "properties": {**doc["properties"], "other": "/x"}}, [])[0] is False


@pytest.mark.parametrize("value", [{"field": "a[*].b"}, {"path": "a"}, 3, {"field": "a", "parent": "maybe"}])
def test_malformed_same_as_is_a_lint_error(value: Any):
    _, _, messages = compile_root({"field": "x", "sameAs": value})
    assert messages and all(m.severity == "error" for m in messages)


def test_explain_reads_same_as_from_the_judged_resource_like_the_engine(ccscan):
    root = Path(__file__).resolve().parents[2]
    res = ccscan("scan", str(root / "fixtures" / "azure" / "prod-ai"), "--policies",
                 str(root / "policies" / "azure" / "model-transit-chain.yaml"),
                 "--explain", "CCS-AZ-TRANSIT-003", "-q")
    text = res.stdout + res.stderr
    block = text.split("sites/app-rag-api (Microsoft.Web/sites): pass", 1)[1].split("CCS-AZ-TRANSIT-003 on", 1)[0]
    assert "  assert: holds" in block
    assert "count of related Microsoft.Authorization/roleAssignments" in block


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                     max_leaves=20)


@given(_json)
def test_from_values_never_raise_and_are_only_non_blank_text(doc: Any):
    from scanner.policy.paths import parse_path
    from scanner.policy.related import values_at

    for path in ("identity.principalId", "identity.userAssignedIdentities[*].principalId", "a[*][*].b", "a[0].b"):
        values = values_at(parse_path(path).steps)({"identity": doc, "a": doc})
        assert all(isinstance(v, str) and v.strip() for v in values)
