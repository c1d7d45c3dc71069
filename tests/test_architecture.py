"""The house rules that keep one shape: arrows that must not exist, a README that names it all.

Checked on the import graph (grimp, the library under import-linter), so a rule holds for
modules added later too, and through any chain of imports, not only direct ones.
"""

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
GRAPH = grimp.build_graph("portal", cache_dir=None)
# What a visitor uses: each has its blueprint; the shared helpers below use none of them.
FEATURES = (
    "portal.admin",
    "portal.agencies",
    "portal.announcements",
    "portal.api",
    "portal.feedback",
    "portal.hotlines",
    "portal.inspections",
    "portal.home",
    "portal.opendata",
    "portal.procedures",
    "portal.search",
    "portal.users",
)
HELPERS = (
    "portal.access",
    "portal.attachments",
    "portal.audit",
    "portal.backups",
    "portal.delivery",
    "portal.downloads",
    "portal.i18n",
    "portal.importing",
    "portal.indexing",
    "portal.labels",
    "portal.layout",
    "portal.listing",
    "portal.mail",
    "portal.pagecache",
    "portal.pagination",
    "portal.ratelimit",
    "portal.publishing",
    "portal.security",
    "portal.text",
    "portal.workdays",
)


def _modules(package):
    return sorted(GRAPH.find_descendants(package) | {package})


def _chain(importer, imported):
    return GRAPH.find_shortest_chain(importer=importer, imported=imported)


def test_every_module_is_a_feature_a_helper_or_a_known_part():
    known = (*FEATURES, *HELPERS, "portal.models", "portal.searching", "portal.migrations")
    top = {m for m in GRAPH.modules if m.count(".") == 1}
    others = top - set(known) - {"portal.cli", "portal.demo"}
    assert not others, f"say in tests/test_architecture.py what these are: {sorted(others)}"


def test_the_engine_imports_nothing_of_the_portal_outside_itself():
    for module in _modules("portal.searching"):
        outside = [
            imported
            for imported in GRAPH.find_modules_directly_imported_by(module)
            if imported.split(".")[0] == "portal" and not imported.startswith("portal.searching")
        ]
        assert not outside, f"{module} imports {outside}"


@pytest.mark.parametrize("feature", FEATURES)
def test_the_models_and_the_helpers_use_no_feature(feature):
    for part in ("portal.models", *HELPERS):
        for module in _modules(part):
            for target in _modules(feature):
                assert _chain(module, target) is None, " → ".join(_chain(module, target))


def test_only_the_app_factory_imports_the_cli():
    importers = GRAPH.find_modules_that_directly_import("portal.cli")
    assert importers == {"portal"}
    for module in GRAPH.modules - {"portal", "portal.cli"}:
        assert _chain(module, "portal.cli") is None, " → ".join(_chain(module, "portal.cli"))


def test_a_features_views_are_registered_by_the_factory_alone():
    for feature in FEATURES:
        views = f"{feature}.views" if f"{feature}.views" in GRAPH.modules else feature
        assert GRAPH.find_modules_that_directly_import(views) <= {"portal"}, views
        if f"{feature}.staff" in GRAPH.modules:  # the staff's pages, the same way
            assert GRAPH.find_modules_that_directly_import(f"{feature}.staff") == {"portal"}


def test_a_feature_package_has_no_second_shape():
    # The common parts carry common names; the other modules are named in the README.
    common = {"__init__", "views", "staff", "queries", "importer", "demo"}
    for feature in FEATURES:
        modules = _modules(feature)
        if len(modules) > 1:
            assert f"{feature}.views" in modules, feature
            names = {m.rpartition(".")[2] for m in modules if m != feature}
            assert not {"finder", "models", "records", "exports", "checks"} & names, names
            assert names - common <= {
                "sources",
                "cells",
                "channels",
                "merge",
                "bodies",
                "provinces",
                "life_events",
                "passwords",
                "accounts",
                "sessions",
                "throttle",
                "mfa",
                "codes",
            }, names - common


def _layout_block():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Layout", 1)[1].split("```", 2)[1]


def test_the_readme_layout_names_every_module():
    entries, current = {}, None
    for line in _layout_block().splitlines():
        if line.startswith(("portal/", "templates/", "static/", "tests/", "translations/")):
            current = line.split()[0]
            entries[current] = line
        elif current and line.startswith(" "):
            entries[current] += " " + line
    missing = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        if path.name == "__init__.py" and relative != "portal/__init__.py":
            continue
        folder = relative.rpartition("/")[0] + "/"
        if relative in entries or any(relative in entry for entry in entries.values()):
            continue
        if folder in entries and re.search(rf"\b{re.escape(path.name)}\b", entries[folder]):
            continue
        missing.append(relative)
    assert not missing, f"the README's layout does not name: {missing}"
