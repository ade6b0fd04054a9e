"""
The az CLI rename table is the Azure SDKs' own mapping from attribute to REST name.

az prints each SDK model's Python attributes camelCased; the model's `rest_field(name=...)`
is the REST name. Both directions are checked against the installed SDKs (test extras).
"""

from __future__ import annotations

import importlib
import re
import typing

import pytest

from scanner.inventory.azcli_names import RENAMES

SDK_ROOTS = {
    "microsoft.storage/storageaccounts": ("azure.mgmt.storage.models", "StorageAccount"),
    "microsoft.compute/disks": ("azure.mgmt.compute.models", "Disk"),
    "microsoft.compute/virtualmachines": ("azure.mgmt.compute.models", "VirtualMachine"),
    "microsoft.compute/virtualmachinescalesets": ("azure.mgmt.compute.models", "VirtualMachineScaleSet"),
    "microsoft.web/sites": ("azure.mgmt.web.models", "Site"),
}


def _camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(p[:1].upper() + p[1:] for p in rest)


def _fields(model: type) -> dict[str, typing.Any]:
    found: dict[str, typing.Any] = {}
    for klass in reversed(model.__mro__):
        found.update({k: v for k, v in vars(klass).items() if type(v).__name__ == "_RestField"})
    return found


def _sdk_renames(module: typing.Any, model: type, prefix: str = "", seen: frozenset = frozenset(),
                 ) -> dict[str, str]:
    """az path (REST names for the parents, as RENAMES writes them) → REST name."""
    out: dict[str, str] = {}
    notes: dict[str, typing.Any] = {}
    for klass in reversed(model.__mro__):
        notes.update(getattr(klass, "__annotations__", {}))
    for attr, field in _fields(model).items():
        rest = field._rest_name_input or _camel(attr)
        if attr != "properties" and _camel(attr) != rest:
            out[prefix + _camel(attr)] = rest
        note = str(notes.get(attr, ""))
        for name in set(re.findall(r"_models\.(\w+)", note)):
            sub = getattr(module, name, None)
            if isinstance(sub, type) and name not in seen:
                step = "" if attr == "properties" else rest + ("[]" if "list[" in note else "") + "."
                out.update(_sdk_renames(module, sub, prefix + step, seen | {name}))
    return out


@pytest.mark.parametrize("rtype", sorted(RENAMES))
def test_every_rename_is_the_sdks_own_mapping(rtype):
    modname, root = SDK_ROOTS[rtype]
    module = importlib.import_module(modname)
    sdk = _sdk_renames(module, getattr(module, root))
    for path, new in RENAMES[rtype]:
        assert sdk.get(path) == new, (path, new, sdk.get(path))


@pytest.mark.parametrize("rtype", sorted(RENAMES))
def test_every_top_level_sdk_rename_is_in_the_table(rtype):
    # The fields az flattens to the top are the ones users and policies meet first.
    modname, root = SDK_ROOTS[rtype]
    module = importlib.import_module(modname)
    sdk = _sdk_renames(module, getattr(module, root))
    top = {p: n for p, n in sdk.items() if "." not in p}
    assert top.items() <= {p: n for p, n in RENAMES[rtype]}.items()
