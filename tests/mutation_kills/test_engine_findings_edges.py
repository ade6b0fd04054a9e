"""
`Engine.findings` at the edges its own inlined code decides: relationship policies read the
engine's index (a Dask worker sets no active index of its own), a relationship policy that
does not apply leaves the resource's later policies alone, the pass message, and the single
read's evidence when the field is absent. Expected values are written out by hand.
"""

from __future__ import annotations

from scanner.engine import Engine
from scanner.findings import Evidence
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog
from scanner.policy.model import Policy
from scanner.policy.paths import getter, parse_path
from scanner.relindex import ACTIVE, RelationIndex
from tests.mutation_kills.test_engine_edges import compiled
from tests.policy.helpers import compile_related

SUB = "/subscriptions/00000000-0000-0000-0000-0000000000e1/resourceGroups/rg/providers"
ENV_ID = f"{SUB}/T.Env/envs/e1"
VNET = f"{SUB}/Microsoft.Network/virtualNetworks/v1"
SAME_VNET = {"field": "properties.vnet",
             "sameAs": {"field": "properties.vnet", "via": "properties.envId", "type": "T.Env/envs"}}


def related_policy(pid: str = "R-1", where: dict | None = None) -> Policy:
    check, relations, messages = compile_related(SAME_VNET, pid)
    assert not messages
    return Policy(id=pid, title=f"title {pid}", severity="high", types=("t.app/apps",),
                  type_names=("T.App/apps",), check=check, expectation="the environment's VNet",
                  where=compiled(where)[0] if where else None, relations=tuple(relations))


def plain_policy(pid: str, requires: tuple[str, ...] = ()) -> Policy:
    check, text = compiled({"field": "properties.kind", "equals": "web"})
    return Policy(id=pid, title=f"title {pid}", severity="low", types=("t.app/apps",),
                  type_names=("T.App/apps",), check=check, expectation=text,
                  requires=tuple((r, getter(parse_path(r).steps)) for r in requires))


def app(vnet: str = VNET, **props: str) -> Resource:
    return Resource({"id": f"{SUB}/T.App/apps/a1", "type": "T.App/apps",
                     "properties": {"envId": ENV_ID, "vnet": vnet, **props}})


def engine_with_env(*policies: Policy) -> Engine:
    catalog = Catalog(policies=list(policies))
    index = RelationIndex(catalog.relations())
    index.add(Resource({"id": ENV_ID, "type": "T.Env/envs", "properties": {"vnet": VNET}}))
    return Engine(catalog, index)


def test_a_relationship_policy_reads_the_engines_own_index_with_none_active():
    engine = engine_with_env(related_policy())
    assert ACTIVE.get() is None  # as in a Dask worker: only the engine holds the index
    same, other = list(engine.findings(app())), list(engine.findings(app(vnet=f"{SUB}/x/y/v2")))
    assert [(f.policy_id, f.status) for f in same] == [("R-1", "pass")]
    assert [(f.policy_id, f.status) for f in other] == [("R-1", "fail")]
    assert other[0].evidence[-1] == Evidence(f"properties.envId[{ENV_ID}].properties.vnet", VNET, True)


def test_a_relationship_policy_that_does_not_apply_leaves_the_next_policies():
    engine = engine_with_env(related_policy("R-1", where={"field": "properties.tier", "equals": "prod"}),
                             plain_policy("R-2"))
    found = list(engine.findings(app(tier="dev", kind="web")))
    assert [(f.policy_id, f.status) for f in found] == [("R-2", "pass")]


def test_a_pass_says_satisfied_and_the_expectation():
    (finding,) = Engine(Catalog(policies=[plain_policy("P-1")])).findings(app(kind="web"))
    assert finding.message == "satisfied: properties.kind equals 'web'"


def test_a_single_absent_read_is_evidence_of_absence():
    (finding,) = Engine(Catalog(policies=[plain_policy("P-1", requires=("properties.sku",))])).findings(app())
    assert finding.status == "unknown"
    assert finding.evidence == (Evidence("properties.sku", None, False),)
    (finding,) = Engine(Catalog(policies=[plain_policy("P-1")])).findings(app())
    assert finding.evidence == (Evidence("properties.kind", None, False),)  # read by the check itself
