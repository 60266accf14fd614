"""The layers hold: `make test` runs the import contracts of `.importlinter` (the same ones `make lint` runs
with `lint-imports`), proves that a new upward import breaks them, and checks that every module of ours is
placed in a layer, so a new module cannot slip past the contracts by being unlisted."""

from __future__ import annotations

import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter.application.use_cases import read_user_options
from importlinter.configuration import configure
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract, "acyclic_siblings": AcyclicSiblingsContract}

# Modules outside every layer, each for a reason: the project package itself and its settings and server
# entry points (they import no app), the test base (tests use every layer), and packages' empty `__init__`s.
OUTSIDE_THE_LAYERS = {
    "tilli", "tilli.settings", "tilli.settings_test", "tilli.asgi", "tilli.wsgi", "tilli.envfile", "tilli.test",
    "tenancy", "tenancy.management", "tenancy.management.commands", "privacy", "console",
}

configure()


@pytest.fixture(scope="module")
def options():
    return read_user_options(config_filename=str(CONFIG))


@pytest.fixture(scope="module")
def graph(options):
    return grimp.build_graph(*options.session_options["root_packages"], include_external_packages=False,
                             cache_dir=None)


def _check(options, graph, contract_id: str):
    contract_options = next(c for c in options.contracts_options if c["id"] == contract_id)
    contract = CONTRACT_TYPES[contract_options["type"]](
        name=contract_options["name"], session_options=options.session_options, contract_options=contract_options)
    return contract.check(deepcopy(graph), verbose=False)


def _layer_modules(options) -> set[str]:
    layers = next(c for c in options.contracts_options if c["id"] == "layers")["layers"]
    return {name.strip() for line in layers for name in line.replace("|", ":").split(":")}


def test_lint_imports_passes():
    """What `make lint` runs, run here too: every contract in `.importlinter` is kept."""
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("importer", "imported"), [
    ("kernel.registry", "tenancy.models"),  # the registry sits below the models declared with it
    ("kernel.scheduling", "notify.delivery"),  # the kernel's scheduler reads the apps' jobs, never imports them
    ("tenancy.services", "accounts.models"),  # tenancy stands below accounts
    ("booking.services", "web.views"),  # the domain never reaches the presentation
    ("kernel.audit", "privacy.requests"),  # the audit (kernel) below the rights (reactions)
    ("tilli.lib.text", "tenancy.models"),  # the helpers below everything
    ("clients.selectors", "booking.selectors"),  # the register below booking
    ("billing.sales", "booking.models"),  # booking and billing independent of each other
    ("notify.services", "privacy.requests"),  # the outbox below the reactions that use it
    ("kernel.models", "tenancy.models"),  # the kernel names the organization by its label, never imports it
    ("kernel.audit", "privacy.models"),  # the audit chain below the rights that record into it
    ("kernel.events", "tenancy.services"),  # the event log below every publisher
    ("privacy.documents", "ops.backup.service"),  # privacy below ops: the backup period is read from the kernel
])
def test_a_new_upward_import_breaks_the_layers(options, graph, importer, imported):
    assert _check(options, graph, "layers").kept
    upward = deepcopy(graph)
    upward.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert not _check(options, upward, "layers").kept


def test_a_new_cycle_inside_an_app_breaks_the_acyclic_contract(options, graph):
    cyclic = deepcopy(graph)
    cyclic.add_import(importer="tenancy.keyring", imported="tenancy.fields", line_number=1,
                      line_contents="import tenancy.fields")
    assert not _check(options, cyclic, "acyclic").kept


def test_every_module_is_placed_in_a_layer(options, graph):
    placed = _layer_modules(options)

    def covered(module: str) -> bool:
        return any(module == layer or module.startswith(layer + ".") for layer in placed)

    unplaced = sorted(m for m in graph.modules
                      if ".tests" not in m and m not in OUTSIDE_THE_LAYERS and not covered(m))
    assert unplaced == [], "place these modules in a layer in .importlinter: " + ", ".join(unplaced)
