"""
`sameAs` through a relation of the judged resource (`via` + `type`): a DNS zone's VNet link
compared with the VNet of a container app's managed environment. Expected values are written by
hand: environment missing -> RelatedMissing (unknown) naming its id; environment without a VNet
-> false; ARM ids without case; the index keeps the path read on the environment.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.inventory.resource import Resource
from scanner.relindex import RelatedMissing, RelationIndex
from tests.policy.helpers import compile_related, run_related

SUB = "/subscriptions/00000000-0000-0000-0000-0000000000c1/resourceGroups/rg-ca/providers"
ENV_ID = f"{SUB}/Microsoft.App/managedEnvironments/cae1"
ZONE = f"{SUB}/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com"
APP = {"id": f"{SUB}/Microsoft.App/containerApps/ca1", "type": "Microsoft.App/containerApps",
       "properties": {"environmentId": ENV_ID}}
ENV = {"id": ENV_ID, "type": "Microsoft.App/managedEnvironments",
       "properties": {"staticIp": "10.9.0.4",
                      "vnetConfiguration": {"infrastructureSubnetId": f"{SUB}/Microsoft.Network/virtualNetworks/vnet-ca/subnets/infra"}}}
SAME_ENV_VNET = {"field": "properties.virtualNetwork.id",
                 "sameAs": {"field": "properties.vnetConfiguration.infrastructureSubnetId", "parent": True,
                            "via": "properties.environmentId", "type": "Microsoft.App/managedEnvironments"}}
LINKED = {"count": {"related": {"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "children": True},
                    "where": SAME_ENV_VNET},
          "greaterOrEquals": 1}
ZONE_LINKED = {"related": {"type": "Microsoft.Network/privateDnsZones", "via": "properties.zone", "where": LINKED}}


def link(vnet: str, name: str = "l1") -> dict:
    return {"id": f"{ZONE}/virtualNetworkLinks/{name}", "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "properties": {"virtualNetwork": {"id": f"{SUB}/Microsoft.Network/virtualNetworks/{vnet}"}}}


def app(**props: str) -> dict:
    return {**APP, "properties": {**props, "zone": ZONE}}


ZONE_DOC = {"id": ZONE, "type": "Microsoft.Network/privateDnsZones"}


def test_a_link_to_the_environments_vnet_holds_and_names_the_environment_read():
    ok, reads = run_related(ZONE_LINKED, app(environmentId=ENV_ID), [ZONE_DOC, ENV, link("vnet-ca")])
    assert ok is True
    read = f"properties.environmentId[{ENV_ID}].properties.vnetConfiguration.infrastructureSubnetId"
    subnet = f"{SUB}/Microsoft.Network/virtualNetworks/vnet-ca/subnets/infra"
    assert [v for p, v in reads if p.endswith(read)] == [subnet]


def test_a_link_to_another_vnet_does_not_hold():
    ok, _ = run_related(ZONE_LINKED, app(environmentId=ENV_ID), [ZONE_DOC, ENV, link("vnet-hub")])
    assert ok is False


def test_ids_compare_without_case_on_every_side():
    env = {**ENV, "id": ENV_ID.upper()}
    ok, _ = run_related(ZONE_LINKED, app(environmentId=ENV_ID.lower()), [ZONE_DOC, env, link("VNET-CA")])
    assert ok is True


def test_an_environment_without_a_vnet_compares_false():
    bare = {"id": ENV_ID, "type": "Microsoft.App/managedEnvironments", "properties": {"staticIp": "20.1.2.3"}}
    ok, _ = run_related(ZONE_LINKED, app(environmentId=ENV_ID), [ZONE_DOC, bare, link("vnet-ca")])
    assert ok is False


def test_an_app_without_the_via_field_compares_false():
    ok, _ = run_related(ZONE_LINKED, app(), [ZONE_DOC, ENV, link("vnet-ca")])
    assert ok is False


def test_an_environment_missing_from_the_inventory_is_unknown_naming_it():
    with pytest.raises(RelatedMissing, match="managedEnvironments/cae1 is not in the inventory"):
        run_related(ZONE_LINKED, app(environmentId=ENV_ID), [ZONE_DOC, link("vnet-ca")])


def test_an_environment_of_another_type_is_not_the_environment():
    wrong = {**ENV, "type": "Microsoft.Web/hostingEnvironments"}
    with pytest.raises(RelatedMissing, match="not in the inventory"):
        run_related(ZONE_LINKED, app(environmentId=ENV_ID), [ZONE_DOC, wrong, link("vnet-ca")])


def test_a_via_that_is_not_a_string_is_unknown():
    with pytest.raises(RelatedMissing, match="holds dict, not a resource reference"):
        run_related(ZONE_LINKED, app(environmentId={"id": ENV_ID}), [ZONE_DOC, ENV, link("vnet-ca")])  # type: ignore[arg-type]


def test_the_index_keeps_the_environment_path_and_nothing_else():
    _, relations, messages = compile_related(ZONE_LINKED)
    assert not messages
    index = RelationIndex(relations)
    index.add(Resource(ENV))
    kept = index.resolve(ENV_ID, ("microsoft.app/managedenvironments",))
    assert kept == {"id": ENV_ID, "type": "Microsoft.App/managedEnvironments",
                    "properties": {"vnetConfiguration": {"infrastructureSubnetId": ENV["properties"]["vnetConfiguration"]["infrastructureSubnetId"]}}}


@pytest.mark.parametrize("spec, fragment", [
    ({"field": "p.x", "via": "properties.environmentId"}, "go together"),
    ({"field": "p.x", "type": "Microsoft.App/managedEnvironments"}, "go together"),
    ({"field": "p.x", "via": 3, "type": "Microsoft.App/managedEnvironments"}, "go together"),
    ({"field": "p.x", "via": "a[*].b", "type": "Microsoft.App/managedEnvironments"}, "cannot use '[*]'"),
    ({"field": "p.x", "via": "a..b", "type": "Microsoft.App/managedEnvironments"}, ""),
    ({"field": "p.x", "via": "a.b", "type": ""}, "'type'"),
    ({"field": "p.x", "via": "a.b", "type": "T", "key": "k"}, "'sameAs' takes"),
])
def test_a_wrong_via_is_a_lint_error(spec, fragment):
    _, _, messages = compile_related({"field": "x", "sameAs": spec})
    assert len(messages) == 1
    assert fragment in messages[0].message


_CASE = st.sampled_from([str.lower, str.upper, lambda s: s])


@given(_CASE, _CASE, _CASE)
def test_case_never_changes_the_verdict(app_case, env_case, link_case):
    env = {**ENV, "id": env_case(ENV_ID)}
    linked = link(link_case("vnet-ca"))
    ok, _ = run_related(ZONE_LINKED, app(environmentId=app_case(ENV_ID)), [ZONE_DOC, env, linked])
    assert ok is True


# --- child lists a collection could not read ------------------------------------------------
ACCOUNT = f"{SUB}/Microsoft.CognitiveServices/accounts/oai1"
SETTINGS = "microsoft.insights/diagnosticsettings"
COUNT_SETTINGS = {"count": {"related": {"type": "Microsoft.Insights/diagnosticSettings", "children": True}},
                  "greaterOrEquals": 1}


def _index(scopes: list[tuple[str, str]]) -> RelationIndex:
    _, relations, _ = compile_related(COUNT_SETTINGS)
    index = RelationIndex(relations)
    index.mark_unread(scopes)
    return index


def test_a_parent_whose_child_list_failed_is_unknown_naming_the_list_and_why():
    index = _index([(f"azure {ACCOUNT}/providers/Microsoft.Insights/diagnosticSettings", "HTTP 403 AuthorizationFailed")])
    with pytest.raises(RelatedMissing) as e:
        index.children_of(SETTINGS, ACCOUNT.upper())
    assert str(e.value) == (f"{ACCOUNT}/providers/Microsoft.Insights/diagnosticSettings could not be read: "
                            "HTTP 403 AuthorizationFailed")
    assert index.children_of(SETTINGS, f"{SUB}/Microsoft.CognitiveServices/accounts/oai2") == []


def test_a_child_type_unread_in_a_subscription_is_unknown_there_only():
    index = _index([("azure subscription 00000000-0000-0000-0000-0000000000c1 Microsoft.Insights/diagnosticSettings",
                     "HTTP 500")])
    with pytest.raises(RelatedMissing, match="no Microsoft.Insights/diagnosticSettings list of subscription "
                                             "00000000-0000-0000-0000-0000000000c1 could be read: HTTP 500"):
        index.children_of(SETTINGS, ACCOUNT)
    other = "/subscriptions/00000000-0000-0000-0000-0000000000c2/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"
    assert index.children_of(SETTINGS, other) == []


def test_other_incomplete_scopes_leave_counts_alone():
    index = _index([("azure subscriptions", "HTTP 401"), ("aws eu-west-1 ec2", "throttled"),
                    (f"azure {SUB}/Microsoft.Web/sites/app1/config/web", "HTTP 403")])
    assert index.children_of(SETTINGS, ACCOUNT) == []


LINT_POLICY = """\
id: X-SAME-1
title: t
severity: low
resource: Microsoft.App/containerApps
remediation: r
assert:
  count:
    related: {{type: Microsoft.Network/privateDnsZones/virtualNetworkLinks, children: true}}
    where:
      field: properties.virtualNetwork.id
      sameAs: {{field: {field}, parent: true, via: {via}, type: {type}}}
  greaterOrEquals: 1
"""


@pytest.mark.parametrize("field, via, rtype, message", [
    ("properties.vnetConfiguration.infrastructureSubnetIdd", "properties.environmentId", "Microsoft.App/managedEnvironments",
     '"properties.vnetConfiguration.infrastructureSubnetIdd" is not a path of Microsoft.App/managedEnvironments'),
    ("properties.vnetConfiguration.infrastructureSubnetId", "properties.environmentIdd", "Microsoft.App/managedEnvironments",
     '"properties.environmentIdd" is not a path of Microsoft.App/containerApps'),
    ("properties.vnetConfiguration.infrastructureSubnetId", "properties.environmentId", "Microsoft.App/managedEnvironment",
     'related type "Microsoft.App/managedEnvironment" is not a type ccscan knows or collects'),
])
def test_lint_checks_the_via_on_the_judged_type_and_the_field_on_the_related_type(tmp_path, ccscan, field, via, rtype, message):
    path = tmp_path / "p.yaml"
    path.write_text(LINT_POLICY.format(field=field, via=via, type=rtype))
    result = ccscan("lint", str(path))
    assert result.exit_code == 2
    assert message in result.stderr + result.stdout
    assert "1 error" in result.stderr + result.stdout


def test_lint_accepts_the_built_in_shape(tmp_path, ccscan):
    path = tmp_path / "p.yaml"
    path.write_text(LINT_POLICY.format(field="properties.vnetConfiguration.infrastructureSubnetId",
                                       via="properties.environmentId", type="Microsoft.App/managedEnvironments"))
    result = ccscan("lint", str(path))
    assert result.exit_code == 0, result.stderr
    assert "0 errors" in result.stderr
