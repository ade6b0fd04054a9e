"""
`sameAs` with `parent: true` where the compared id has no ARM parent: nothing to compare with,
so the comparison is false (never true).
"""

from __future__ import annotations

from tests.policy.helpers import run_related
from tests.policy.test_related_same_via import APP, ENV, ENV_ID


def test_parent_of_a_top_level_id_compares_false():
    # `parent: true` on a field naming a resource with no ARM parent: nothing to compare with.
    cond = {"field": "properties.virtualNetwork.id",
            "sameAs": {"field": "properties.vnetConfiguration.infrastructureSubnetId", "parent": True,
                       "via": "properties.environmentId", "type": "Microsoft.App/managedEnvironments"}}
    top = {**ENV, "properties": {"vnetConfiguration": {"infrastructureSubnetId": "/subscriptions/s1"}}}
    doc = {**APP, "properties": {"environmentId": ENV_ID, "virtualNetwork": {"id": "/subscriptions"}}}
    assert run_related(cond, doc, [top])[0] is False
    doc = {**APP, "properties": {"environmentId": ENV_ID, "virtualNetwork": {"id": "/subscriptions/s1"}}}
    assert run_related(cond, doc, [top])[0] is False


def test_a_judged_value_that_is_not_text_compares_false():
    # A number or a mapping where an id belongs names nothing: false, not an evaluation error.
    cond = {"field": "properties.virtualNetwork.id",
            "sameAs": {"field": "properties.vnetConfiguration.infrastructureSubnetId",
                       "via": "properties.environmentId", "type": "Microsoft.App/managedEnvironments"}}
    for odd in (5, {"id": "x"}, ["x"], True):
        doc = {**APP, "properties": {"environmentId": ENV_ID, "virtualNetwork": {"id": odd}}}
        assert run_related(cond, doc, [ENV])[0] is False
