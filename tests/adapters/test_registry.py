"""The adapter registry: entry points read lazily, modules imported on use, clear errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

import meetlink.adapters
from meetlink.adapters import registry
from meetlink.adapters.memory import MemoryAdapter
from meetlink.adapters.registry import (
    GROUP,
    available_adapters,
    get_adapter,
    register_adapter,
    unregister_adapter,
)
from meetlink.errors import AdapterNotFound, DuplicateAdapter

BUILT_IN = {"google", "jitsi", "memory", "provisioned"}


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an empty registry that has not read the entry points yet."""
    monkeypatch.setattr(registry, "_targets", {})
    monkeypatch.setattr(registry, "_loaded", {})
    monkeypatch.setattr(registry, "_hints", {})
    monkeypatch.setattr(registry, "_discovered", False)


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def write_module(folder: Path, body: str) -> str:
    """A uniquely named module in ``folder``; removed from sys.modules by the caller's test."""
    name = f"adapter_mod_{uuid.uuid4().hex[:8]}"
    (folder / f"{name}.py").write_text(body, encoding="utf-8")
    return name


ADAPTER_BODY = textwrap.dedent(
    """
    from meetlink.adapters.memory import MemoryAdapter

    class PluginAdapter(MemoryAdapter):
        name = "plugin"
    """
)


def test_built_in_adapters_are_found_through_entry_points() -> None:
    assert set(available_adapters()) >= BUILT_IN
    assert get_adapter("memory") is MemoryAdapter


def test_the_built_in_adapter_names_match_their_entry_points() -> None:
    points = {ep.name: ep for ep in entry_points(group=GROUP)}
    assert set(points) >= BUILT_IN
    assert points["memory"].value == "meetlink.adapters.memory:MemoryAdapter"
    assert get_adapter("memory").name == "memory"


def test_entry_points_are_read_once_on_first_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        reads.append(group)
        return [EntryPoint(name="zoom", value="meetlink_zoom:ZoomAdapter", group=group)]

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    assert reads == []
    assert available_adapters() == ["zoom"]
    assert available_adapters() == ["zoom"]
    assert reads == [GROUP]


def test_listing_adapters_imports_no_adapter_module() -> None:
    script = (
        "import sys\n"
        "from meetlink.adapters import available_adapters, get_adapter\n"
        "names = available_adapters()\n"
        "print('memory' in names, 'meetlink.adapters.memory' in sys.modules)\n"
        "get_adapter('memory')\n"
        "print('meetlink.adapters.memory' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["True", "False", "True"]


def test_a_module_is_imported_on_first_get_and_then_cached(module_dir: Path) -> None:
    name = write_module(module_dir, ADAPTER_BODY)
    try:
        register_adapter("plugin", f"{name}:PluginAdapter")
        assert "plugin" in available_adapters()
        assert name not in sys.modules
        first = get_adapter("plugin")
        assert name in sys.modules
        assert get_adapter("plugin") is first
        assert first.name == "plugin"
    finally:
        sys.modules.pop(name, None)


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(AdapterNotFound) as caught:
        get_adapter("zoom")
    assert caught.value.name == "zoom"
    assert set(caught.value.known) >= BUILT_IN
    assert "'zoom'" in str(caught.value)
    assert "memory" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "module", "extra"),
    [
        ("google", "googleapiclient", "google"),
        ("google", "google_auth_httplib2", "google"),
        ("google", "httplib2", "google"),
        ("jitsi", "jwt", "jitsi"),
    ],
)
def test_a_missing_extra_gives_the_pip_install_hint(
    module_dir: Path, monkeypatch: pytest.MonkeyPatch, name: str, module: str, extra: str
) -> None:
    mod = write_module(module_dir, f"import {module}\n{ADAPTER_BODY}")
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail as if absent
    register_adapter(name, f"{mod}:PluginAdapter", replace=True)
    with pytest.raises(AdapterNotFound) as caught:
        get_adapter(name)
    assert f"`pip install meetlink[{extra}]`" in str(caught.value)
    assert f"'{module}'" in str(caught.value)
    assert caught.value.__suppress_context__


def test_a_missing_module_that_is_no_extra_gets_no_meetlink_hint() -> None:
    register_adapter("fake", "meetlink_missing_mod:X")
    with pytest.raises(AdapterNotFound) as caught:
        get_adapter("fake")
    assert "meetlink[" not in str(caught.value)
    assert "'meetlink_missing_mod'" in str(caught.value)
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


def test_an_extra_module_missing_under_another_name_gets_no_meetlink_hint(
    module_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = write_module(module_dir, f"import jwt\n{ADAPTER_BODY}")
    monkeypatch.setitem(sys.modules, "jwt", None)
    register_adapter("zoom", f"{mod}:PluginAdapter")
    with pytest.raises(AdapterNotFound) as caught:
        get_adapter("zoom")
    assert "meetlink[" not in str(caught.value)
    assert "reinstall" in str(caught.value)


def test_a_third_party_install_hint_is_shown(
    module_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = write_module(module_dir, f"import zoomus\n{ADAPTER_BODY}")
    monkeypatch.setitem(sys.modules, "zoomus", None)
    register_adapter(
        "zoom", f"{mod}:PluginAdapter", install_hint="run `pip install meetlink-zoom`."
    )
    with pytest.raises(AdapterNotFound, match=r"'zoomus'.*pip install meetlink-zoom"):
        get_adapter("zoom")


def test_registering_a_name_twice_is_an_error_unless_replace() -> None:
    class Other(MemoryAdapter):
        name = "memory"

    with pytest.raises(DuplicateAdapter, match="replace=True"):
        register_adapter("memory", Other)
    assert get_adapter("memory") is MemoryAdapter
    register_adapter("memory", Other, replace=True)
    assert get_adapter("memory") is Other


def test_a_registered_class_is_used_without_import() -> None:
    class Inline(MemoryAdapter):
        name = "inline"

    register_adapter("inline", Inline)
    assert get_adapter("inline") is Inline


def test_registering_something_that_is_no_adapter_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not a ConferenceAdapter"):
        register_adapter("odd", dict)  # type: ignore[arg-type]
    assert "odd" not in available_adapters()


@pytest.mark.parametrize("path", ["json:dumps", "json:NoSuchThing"])
def test_a_path_to_something_that_is_no_adapter_is_refused(path: str) -> None:
    register_adapter("odd", path)
    with pytest.raises(AdapterNotFound, match="not a ConferenceAdapter"):
        get_adapter("odd")


def test_unregister_removes_a_name_and_ignores_unknown_ones() -> None:
    unregister_adapter("memory")
    unregister_adapter("never-registered")
    assert "memory" not in available_adapters()
    with pytest.raises(AdapterNotFound):
        get_adapter("memory")


def test_the_adapters_package_exports_a_sorted_all() -> None:
    exported = meetlink.adapters.__all__
    assert exported == sorted(exported)
    assert all(hasattr(meetlink.adapters, name) for name in exported)
