"""
Fixtures shared by the live-collection tests: the ARM emulator serving `fixtures/azure/`, and
an Azure CLI sign-in that trusts it. A module that needs another estate or page size defines
its own `arm`.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def arm():
    """The bundled Azure fixtures, served two per page (so every list pages)."""
    pytest.importorskip("trustme")
    from support.arm_emulator import ArmEmulator, Estate
    from support.azure_testing import AZURE_FIXTURES

    with ArmEmulator(Estate.from_fixtures(AZURE_FIXTURES), page_size=2) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def az_env(arm, tmp_path_factory) -> dict[str, str]:
    """Environment of a user signed in with the Azure CLI, trusting the emulator's CA."""
    from support.azure_testing import az_cli_env

    return az_cli_env(arm, tmp_path_factory.mktemp("bin"))
