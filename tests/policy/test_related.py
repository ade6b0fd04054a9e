"""
Relationship conditions (`related`, `count: related`, `decode`) and the relation index:
the semantics the issue pins (missing link is unknown, evidence names the related resource,
count over nothing is 0, ids compare as their cloud does).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import evidence_of
from scanner.inventory.resource import Resource
from scanner.policy.decode import UndecodableValue
from scanner.policy.paths import NotAnArray
from scanner.relindex import ACTIVE, RelatedMissing, RelationIndex, ref_key
from tests.policy.helpers import compile_condition, run_related

SUB = "/subscriptions/0000-a/resourceGroups/rg/providers"
DES_ID = f"{SUB}/Microsoft.Compute/diskEncryptionSets/des1"
VM = {"id": f"{SUB}/Microsoft.Compute/virtualMachines/vm1", "type": "Microsoft.Compute/virtualMachines",
      "properties": {"des": {"id": DES_ID.upper()}}}
DES_OK = {"id": DES_ID, "type": "Microsoft.Compute/diskEncryptionSets",
          "properties": {"encryptionType": "ConfidentialVmEncryptedWithCustomerKey",
                         "activeKey": {"keyUrl": "https://KV1.vault.azure.net/keys/k1/abc123"}}}
KEY = {"id": "/subscriptions/0000-b/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/kv1/keys/k1",
       "type": "Microsoft.KeyVault/vaults/keys", "properties": {"kty": "RSA-HSM"}}
FOLLOW_DES = {"related": {"type": "Microsoft.Compute/diskEncryptionSets", "via": "properties.des.id",
                          "where": {"field": "properties.encryptionType",
                                    "equals": "ConfidentialVmEncryptedWithCustomerKey"}}}


run = run_related


def _relations(cond: dict[str, Any]) -> list:
    from scanner.policy.compile import ConditionCompiler

    compiler = ConditionCompiler("t.yaml", "T-1", [])
    compiler.compile(cond)
    return compiler.relations


def test_follow_a_reference_case_insensitively():
    ok, reads = run(FOLLOW_DES, VM, [DES_OK])
    assert ok is True
    assert (f"properties.des.id[{DES_ID}].properties.encryptionType",
            "ConfidentialVmEncryptedWithCustomerKey") in reads


def test_a_failing_related_resource_fails_with_its_id_path_and_value_as_evidence():
    bad = {**DES_OK, "properties": {"encryptionType": "EncryptionAtRestWithPlatformKey"}}
    ok, reads = run(FOLLOW_DES, VM, [bad])
    assert ok is False
    paths = {e.path: e.observed for e in evidence_of(reads)}
    assert paths[f"properties.des.id[{DES_ID}].properties.encryptionType"] == "EncryptionAtRestWithPlatformKey"


def test_a_reference_to_nothing_is_unknown_naming_the_missing_id():
    with pytest.raises(RelatedMissing, match="(?i)diskEncryptionSets/des1 is not in the inventory"):
        run(FOLLOW_DES, VM, [])


def test_a_missing_reference_field_is_false_not_unknown():
    ok, _ = run(FOLLOW_DES, {**VM, "properties": {}}, [DES_OK])
    assert ok is False


def test_a_reference_of_the_wrong_type_is_not_followed():
    wrong = {**DES_OK, "type": "Microsoft.Compute/disks"}
    with pytest.raises(RelatedMissing):
        run(FOLLOW_DES, VM, [wrong])


def test_a_reference_that_is_not_text_is_unknown():
    with pytest.raises(RelatedMissing, match="not a resource reference"):
        run(FOLLOW_DES, {**VM, "properties": {"des": {"id": 7}}}, [DES_OK])


def test_not_over_a_missing_link_stays_unknown():
    with pytest.raises(RelatedMissing):
        run({"not": FOLLOW_DES}, VM, [])


def test_arns_compare_exactly():
    arn = "arn:aws:kms:eu-west-1:111122223333:key/AbC"
    cond = {"related": {"type": "AWS::KMS::Key", "via": "properties.KmsKeyId",
                        "where": {"field": "properties.KeyManager", "equals": "CUSTOMER"}}}
    key = {"id": arn, "type": "AWS::KMS::Key", "properties": {"KeyManager": "CUSTOMER"}}
    assert run(cond, {"properties": {"KmsKeyId": arn}}, [key])[0] is True
    with pytest.raises(RelatedMissing):
        run(cond, {"properties": {"KmsKeyId": arn.lower()}}, [key])


def test_key_vault_key_url_resolves_to_the_arm_key_by_vault_name_across_subscriptions():
    cond = {"related": {"type": "Microsoft.KeyVault/vaults/keys", "via": "properties.activeKey.keyUrl",
                        "where": {"field": "properties.kty", "equals": "RSA-HSM"}}}
    ok, reads = run(cond, DES_OK, [KEY])
    assert ok is True
    assert any(KEY["id"] in p for p, _ in reads)


def test_an_ambiguous_vault_name_is_unknown():
    twin = {**KEY, "id": KEY["id"].replace("0000-b", "0000-c")}
    cond = {"related": {"type": "Microsoft.KeyVault/vaults/keys", "via": "properties.activeKey.keyUrl"}}
    with pytest.raises(RelatedMissing, match="ambiguous"):
        run(cond, DES_OK, [KEY, twin])


@pytest.mark.parametrize(("ref", "key"), [
    ("/Subscriptions/A/ResourceGroups/RG/", "/subscriptions/a/resourcegroups/rg"),
    ("https://kv.vault.azure.net/keys/k", "kv:kv/k"),
    ("https://hsm.managedhsm.azure.net/keys/K/0123", "kv:hsm/k"),
    ("arn:aws:s3:::Bucket", "arn:aws:s3:::Bucket"),
    ("https://evil.example/keys/k", "https://evil.example/keys/k"),
])
def test_ref_keys(ref: str, key: str):
    assert ref_key(ref) == key


def test_follow_every_reference_of_an_array():
    cond = {"related": {"type": "Microsoft.Compute/disks", "via": "properties.disks[*].id",
                        "where": {"field": "properties.encrypted", "equals": True}}}
    d1 = {"id": "/s/d1", "type": "Microsoft.Compute/disks", "properties": {"encrypted": True}}
    d2 = {"id": "/s/d2", "type": "Microsoft.Compute/disks", "properties": {"encrypted": False}}
    assert run(cond, {"properties": {"disks": [{"id": "/s/d1"}]}}, [d1, d2])[0] is True
    assert run(cond, {"properties": {"disks": [{"id": "/s/d1"}, {"id": "/s/D2"}]}}, [d1, d2])[0] is False
    assert run(cond, {"properties": {"disks": []}}, [d1])[0] is False



def test_every_reference_must_exist_even_without_a_where():
    # `related` without `where` asks only that the targets exist: a dangling second reference
    # after a good first one is unknown, never a pass (the loop must not stop at the first).
    cond = {"related": {"type": "Microsoft.Compute/disks", "via": "properties.disks[*].id"}}
    d1 = {"id": "/s/d1", "type": "Microsoft.Compute/disks", "properties": {}}
    assert run(cond, {"properties": {"disks": [{"id": "/s/d1"}]}}, [d1])[0] is True
    with pytest.raises(RelatedMissing, match="/s/d2 is not in the inventory"):
        run(cond, {"properties": {"disks": [{"id": "/s/d1"}, {"id": "/s/d2"}]}}, [d1])


def test_a_non_text_reference_names_its_path_and_type():
    with pytest.raises(RelatedMissing) as raised:
        run(FOLLOW_DES, {**VM, "properties": {"des": {"id": 7}}}, [DES_OK])
    assert str(raised.value) == "properties.des.id holds int, not a resource reference"

PE = "Microsoft.Network/privateEndpoints"
ACCOUNT = {"id": f"{SUB}/Microsoft.CognitiveServices/accounts/oai", "type": "Microsoft.CognitiveServices/accounts"}


def _pe(name: str, target: str, status: str) -> dict[str, Any]:
    return {"id": f"{SUB}/{PE}/{name}", "type": PE, "properties": {"privateLinkServiceConnections": [
        {"properties": {"privateLinkServiceId": target, "privateLinkServiceConnectionState": {"status": status}}}]}}


APPROVED_PES = {"count": {"related": {"type": PE, "refersBack":
                                      "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId"},
                          "where": {"field": "properties.privateLinkServiceConnections[*].properties"
                                             ".privateLinkServiceConnectionState.status", "equals": "Approved"}},
                "greaterOrEquals": 1}


def test_reverse_lookup_counts_the_resources_that_refer_back():
    pes = [_pe("pe1", ACCOUNT["id"].upper(), "Pending"), _pe("pe2", ACCOUNT["id"], "Approved"),
           _pe("pe3", f"{SUB}/Microsoft.CognitiveServices/accounts/other", "Approved")]
    ok, reads = run(APPROVED_PES, ACCOUNT, pes)
    assert ok is True
    counts = [v for p, v in reads if p.startswith("count(")]
    assert counts == [1]


def test_count_over_no_related_resources_is_zero():
    ok, reads = run(APPROVED_PES, ACCOUNT, [])
    assert ok is False
    assert [v for p, v in reads if p.startswith("count(")] == [0]
    zero = {**APPROVED_PES, "equals": 0}
    del zero["greaterOrEquals"]
    assert run(zero, ACCOUNT, [])[0] is True


def test_children_by_id_prefix():
    zone = {"id": f"{SUB}/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com",
            "type": "Microsoft.Network/privateDnsZones"}
    link_type = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
    links = [{"id": f"{zone['id']}/virtualNetworkLinks/l{i}", "type": link_type,
              "properties": {"virtualNetwork": {"id": f"/v/{i}"}}} for i in range(3)]
    other = {"id": f"{SUB}/Microsoft.Network/privateDnsZones/z2/virtualNetworkLinks/x", "type": link_type}
    cond = {"count": {"related": {"type": link_type, "children": True},
                      "where": {"field": "properties.virtualNetwork.id", "equals": "/V/1"}}, "equals": 1}
    assert run(cond, zone, [*links, other])[0] is True
    every = {"count": {"related": {"type": link_type, "children": True}}, "equals": 3}
    assert run(every, zone, [*links, other])[0] is True


def test_child_and_parent():
    site = {"id": f"{SUB}/Microsoft.Web/sites/app1", "type": "Microsoft.Web/sites"}
    web = {"id": f"{site['id']}/config/web", "type": "Microsoft.Web/sites/config",
           "properties": {"minTlsVersion": "1.2"}}
    child = {"related": {"type": "Microsoft.Web/sites/config", "child": "web",
                         "where": {"field": "properties.minTlsVersion", "versionAtLeast": "1.2"}}}
    assert run(child, site, [web])[0] is True
    parent = {"related": {"type": "Microsoft.Web/sites", "parent": True}}
    assert run(parent, web, [site])[0] is True
    with pytest.raises(RelatedMissing):
        run(parent, web, [])


@pytest.mark.parametrize(("cond", "message"), [
    ({"related": {"via": "properties.x"}}, "'type'"),
    ({"related": {"type": "T", "via": "a", "child": "web"}}, "exactly one"),
    ({"related": {"type": "T"}}, "exactly one"),
    ({"related": {"type": "T", "via": "a", "refersBack": "b"}}, "belong in a count"),
    ({"related": {"type": "T", "child": "/abs"}}, "'child'"),
    ({"related": {"type": "T", "via": "a"}, "field": "x"}, "cannot be combined"),
    ({"count": {"related": {"type": "T"}}, "equals": 1}, "exactly one"),
    ({"count": {"related": {"type": "T", "children": True}}, "equals": "x"}, "whole number"),
    ({"count": {"field": "a[*]", "where": {"related": {"type": "T", "via": "a[*].id"}}}, "equals": 1},
     "inside a count over a field"),
    ({"decode": {"field": "a", "as": "rot13", "where": {"field": "x", "exists": True}}}, "must be one of"),
    ({"decode": {"field": "a[*]", "as": "base64", "where": {"field": "x", "exists": True}}}, "'[*]'"),
])
def test_malformed_relations_are_lint_errors(cond: dict[str, Any], message: str):
    _, _, messages = compile_condition(cond)
    assert any(message in m.message for m in messages), [m.message for m in messages]


def _b64url(doc: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


RELEASE = {"decode": {"field": "properties.release_policy.data", "as": "base64json",
                      "where": {"field": "anyOf[*].authority", "like": "https://*.attest.azure.net"}}}


def test_decode_base64url_json():
    data = _b64url({"anyOf": [{"authority": "https://x.weu.attest.azure.net"}]})
    ok, reads = run(RELEASE, {"properties": {"release_policy": {"data": data}}}, [])
    assert ok is True
    assert ("properties.release_policy.data[decoded].anyOf[*].authority",
            ["https://x.weu.attest.azure.net"]) in reads
    evil = _b64url({"anyOf": [{"authority": "https://evil.example"}]})
    assert run(RELEASE, {"properties": {"release_policy": {"data": evil}}}, [])[0] is False
    assert run(RELEASE, {"properties": {}}, [])[0] is False


def test_decode_base64_text_finds_an_allow_all_rego_policy():
    rego = "package policy\n\nallow_all := true\n"
    cond = {"decode": {"field": "p", "as": "base64",
                       "where": {"field": "text", "regex": r"(?m)^\s*allow_all\s*:=\s*true"}}}
    assert run(cond, {"p": base64.b64encode(rego.encode()).decode()}, [])[0] is True
    assert run(cond, {"p": base64.b64encode(b"allow_all := false").decode()}, [])[0] is False


@pytest.mark.parametrize("value", ["not base64!", "////", _b64url("[1,")[:-1] + "!", 12,
                                   base64.b64encode(b"\xff\xfe").decode(), "W1s=" * 1])
def test_undecodable_values_are_unknown(value: Any):
    with pytest.raises(UndecodableValue):
        run(RELEASE, {"properties": {"release_policy": {"data": value}}}, [])


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=150).map(lambda b: base64.b64encode(b).decode()),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                              lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                              max_leaves=20).map(_b64url)))
def test_decode_never_crashes_and_never_passes_without_an_attestation_authority(value: str):
    doc = {"properties": {"release_policy": {"data": value}}}
    try:
        ok, _ = run(RELEASE, doc, [])
    except (UndecodableValue, NotAnArray):  # the engine's `unknown`; anything else fails the test
        return
    if ok:
        decoded = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        authorities = [a.get("authority") for a in decoded["anyOf"]]
        assert authorities and all(isinstance(a, str) and a.lower().endswith(".attest.azure.net")
                                   for a in authorities)


def test_the_index_keeps_only_the_paths_policies_read_without_case():
    cond = {"related": {"type": "Microsoft.Compute/diskEncryptionSets", "via": "properties.des.id",
                        "where": {"allOf": [
                            {"field": "properties.encryptionType", "exists": True},
                            {"field": "properties.activeKey", "exists": True},
                            {"field": "properties.activeKey.keyUrl", "exists": True},
                            {"field": "properties.rules[*].port", "equals": 22}]}}}
    index = RelationIndex(_relations(cond))
    big = {**DES_OK, "location": "westeurope", "tags": {"a": "b"},
           "properties": {"EncryptionType": "X", "activeKey": {"keyUrl": "u", "sourceVault": {"id": "v"}},
                          "rules": [{"port": 22, "name": "r"}], "provisioningState": "Succeeded"}}
    index.add(Resource(big))
    kept = index.resolve(DES_ID, ("microsoft.compute/diskencryptionsets",))
    assert kept == {"id": DES_ID, "type": DES_OK["type"], "properties": {
        "EncryptionType": "X", "activeKey": {"keyUrl": "u", "sourceVault": {"id": "v"}},
        "rules": [{"port": 22, "name": "r"}]}}


@pytest.mark.parametrize("target", [
    {**DES_OK, "type": "microsoft.compute/diskencryptionsets"},            # Resource Graph case
    {**DES_OK, "id": DES_ID.upper() + "/"},                                 # case and a trailing slash
])
def test_case_only_differences_still_resolve(target: dict[str, Any]):
    assert run(FOLLOW_DES, VM, [target])[0] is True


@pytest.mark.parametrize("target", [
    {**DES_OK, "properties": "not an object"},
    {**DES_OK, "properties": None},
    {**DES_OK, "properties": {"encryptionType": ["ConfidentialVmEncryptedWithCustomerKey"]}},
    {**DES_OK, "properties": {"encryptionType": {"deep": {"er": 1}}}},
])
def test_a_related_resource_of_the_wrong_shape_fails_never_passes(target: dict[str, Any]):
    assert run(FOLLOW_DES, VM, [target])[0] is False


def test_a_reverse_field_of_the_wrong_shape_is_not_a_back_reference():
    odd = {"id": f"{SUB}/{PE}/odd", "type": PE, "properties": {"privateLinkServiceConnections": "x"}}
    ok, reads = run(APPROVED_PES, ACCOUNT, [odd, {"type": PE}, {"id": 5, "type": PE}])
    assert ok is False and [v for p, v in reads if p.startswith("count(")] == [0]


def test_huge_encoded_values_are_unknown_not_decoded():
    with pytest.raises(UndecodableValue, match="limit"):
        run(RELEASE, {"properties": {"release_policy": {"data": "A" * (2 << 20)}}}, [])


def test_deeply_nested_decoded_json_is_unknown():
    deep = base64.b64encode(b"[" * 100_000 + b"]" * 100_000).decode()  # json's recursion guard
    with pytest.raises(UndecodableValue):
        run(RELEASE, {"properties": {"release_policy": {"data": deep}}}, [])


def test_the_index_answers_the_same_after_a_pickle_round_trip():
    # `scan --dask` ships the index's tables to workers: keys hold path steps such as `[*]`,
    # which must unpickle as the same singleton or every star back-reference counts 0
    import pickle

    from scanner.policy.paths import EACH, MISSING

    assert pickle.loads(pickle.dumps(EACH)) is EACH
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING
    compiler_relations = _relations(APPROVED_PES)
    index = RelationIndex(compiler_relations)
    index.add(Resource(_pe("pe1", ACCOUNT["id"], "Approved")))
    copy = RelationIndex(compiler_relations)
    copy.by_key, copy.by_back, copy.by_parent = pickle.loads(pickle.dumps((index.by_key, index.by_back, index.by_parent)))
    check, _, _ = compile_condition(APPROVED_PES)
    for idx in (index, copy):
        token = ACTIVE.set(idx)
        try:
            assert check(ACCOUNT, None, None) is True
        finally:
            ACTIVE.reset(token)
