"""The layers of DESIGN.md, held by a test: arrows run one way.

core      model, tracking, prediction, flow, arrivals, boards, freshness, validation,
          records, geo, privacy, readers, console (the console's rules), optimizer: data in, data out, no I/O, no clock
adapters  feeds, signage, transit.store, transit.api, transit.gtfs, transit.live,
          transit.ingest, transit.versions, transit.progress
wiring    transit.bootstrap, transit.demo, transit.cli(_support), transit.config: imports anything,
          imported by nothing else

Libraries stay where STYLE.md habit 10 puts them. The test reads the source
(ast), so it also sees imports inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("transit", "feeds", "signage", "optimizer")

CORE = ("transit.model", "transit.tracking", "transit.prediction", "transit.flow",
        "transit.arrivals", "transit.boards", "transit.freshness", "transit.validation", "transit.records",
        "transit.geo", "transit.privacy", "transit.readers", "transit.console", "optimizer")
ADAPTERS = ("feeds", "signage", "transit.store", "transit.api", "transit.gtfs", "transit.live",
            "transit.ingest", "transit.versions", "transit.progress")
WIRING = ("transit.bootstrap", "transit.demo", "transit.cli", "transit.cli_support", "transit.config")
LAYERS = {"core": CORE, "adapter": ADAPTERS, "wiring": WIRING}
RANK = {"core": 0, "adapter": 1, "wiring": 2}

# Library -> the only places that may import it.
CONFINED = {
    "asyncpg": ("transit.store",),
    "ortools": ("optimizer",),
    "aiohttp": ("transit.api", "signage", "feeds.gtfsrt", "transit.bootstrap"),
    "gtfs_kit": ("transit.gtfs",),
    "argon2": ("transit.console.passwords",),
}
# The core reads no clock and does no I/O (time is an argument).
CORE_FORBIDDEN = ("asyncio", "time", "socket", "os", "subprocess", "pandas", "gtfs_kit",
                  "asyncpg", "aiohttp")


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_of(module: str) -> str:
    for name, prefixes in LAYERS.items():
        if _under(module, prefixes):
            return name
    raise AssertionError(f"{module} is in no layer: add it to tests/test_layers.py")


def list_imports() -> Iterator[tuple[str, str]]:
    """(importing module, imported module) for every import in the packages."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    yield module, node.module
                elif isinstance(node, ast.Import):
                    yield from ((module, alias.name) for alias in node.names)


IMPORTS = list(list_imports())


def test_every_module_is_in_a_layer() -> None:
    packages = {importer for importer, _ in IMPORTS} - set(PACKAGES)
    for module in packages:
        layer_of(module)


def test_arrows_run_down_only() -> None:
    upward = [f"{importer} ({layer_of(importer)}) imports {imported} ({layer_of(imported)})"
              for importer, imported in IMPORTS
              if imported.split(".")[0] in PACKAGES and imported not in PACKAGES
              and RANK[layer_of(imported)] > RANK[layer_of(importer)]]
    assert upward == []


def test_the_wiring_is_imported_by_nothing_else() -> None:
    inward = [f"{importer} imports {imported}" for importer, imported in IMPORTS
              if _under(imported, WIRING) and not _under(importer, WIRING)]
    assert inward == []


@pytest.mark.parametrize("library", sorted(CONFINED))
def test_libraries_stay_in_their_place(library: str) -> None:
    strays = sorted({importer for importer, imported in IMPORTS
                     if imported.split(".")[0] == library
                     and not _under(importer, CONFINED[library])})
    assert strays == []


def test_the_core_reads_no_clock_and_does_no_io() -> None:
    found = sorted({f"{importer} imports {imported}" for importer, imported in IMPORTS
                    if _under(importer, CORE) and imported.split(".")[0] in CORE_FORBIDDEN})
    assert found == []


def test_the_check_sees_an_upward_import() -> None:
    """The classification is not vacuous: a known downward pair ranks right."""
    assert RANK[layer_of("transit.bootstrap")] > RANK[layer_of("feeds.jt808.server")] > RANK[
        layer_of("transit.validation")]
    assert ("feeds.jt808.server", "transit.validation") in IMPORTS


def test_the_blocking_engine_is_core_and_seen() -> None:
    """optimizer.blocks (issue 12) is held to the core's rules: the scan sees its
    modules, all of them core, and its use of ortools."""
    blocking = {importer for importer, _ in IMPORTS if _under(importer, ("optimizer.blocks",))}
    assert {"optimizer.blocks.multi_depot", "optimizer.blocks.mdvsp", "optimizer.blocks.solve"} <= blocking
    assert {layer_of(module) for module in blocking} == {"core"}
    assert ("optimizer.blocks.flow_model", "ortools.linear_solver") in IMPORTS
