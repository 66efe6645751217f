"""What an edit redeploys (plan_reload) and when the watcher reports it (SourceWatcher)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import msgspec

from lamina.cli.watch import SourceWatcher, changed_paths, plan_reload, snapshot, watched_roots
from lamina.config.load import load_application
from tests.conftest import ROOT

NOTES = ROOT / "examples" / "notes"


def _copy(tmp_path: Path) -> Path:
    app = tmp_path / "notes"
    shutil.copytree(NOTES, app, ignore=shutil.ignore_patterns(".lamina"))
    return app


def test_an_edited_handler_redeploys_only_its_function(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    app = load_application(str(folder))
    function = app.functions[0]
    handler = next(Path(function.code_path).glob("*.py"))
    plan = plan_reload(app, load_application(str(folder)), {handler})
    sharing = [f.name for f in app.functions if f.code_path == function.code_path]
    assert sorted(f.name for f in plan.deploy) == sorted(sharing)
    assert not plan.remove and not plan.template_changed


def test_nothing_changed_plans_nothing(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    app = load_application(str(folder))
    assert plan_reload(app, load_application(str(folder)), set()).empty


def test_a_template_edit_redeploys_changed_functions_and_recompiles(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    app = load_application(str(folder))
    template = folder / "template.yaml"
    text = template.read_text()
    edited = text.replace("    MemorySize: 256", "    MemorySize: 512", 1)  # Globals
    assert edited != text
    template.write_text(edited)
    new = load_application(str(folder))
    plan = plan_reload(app, new, {template})
    assert {f.memory_mb for f in new.functions} == {512}
    assert {f.name for f in plan.deploy} == {f.name for f in new.functions}


def test_a_removed_function_is_removed(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    app = load_application(str(folder))
    fewer = msgspec.structs.replace(app, functions=app.functions[1:])
    plan = plan_reload(app, fewer, set())
    assert plan.remove == (app.functions[0].name,)


def test_roots_hold_the_template_folder_and_outside_code(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    app = load_application(str(folder))
    roots = watched_roots(app)
    assert roots[0] == folder.resolve() or roots[0] == folder
    assert all(Path(f.code_path).is_relative_to(roots[0]) for f in app.functions)


def test_snapshot_skips_state_and_caches(tmp_path: Path) -> None:
    (tmp_path / ".lamina").mkdir()
    (tmp_path / ".lamina" / "db").write_text("x")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_text("x")
    (tmp_path / "app.py").write_text("x")
    assert set(snapshot([tmp_path])) == {str(tmp_path / "app.py")}


def test_changed_paths_sees_edits_additions_and_deletions(tmp_path: Path) -> None:
    before = {"a": (1, 1), "b": (1, 1)}
    after = {"a": (2, 1), "c": (1, 1)}
    assert changed_paths(before, after) == {Path("a"), Path("b"), Path("c")}


async def test_the_watcher_reports_one_settled_burst(tmp_path: Path) -> None:
    seen: list[set[Path]] = []
    event = asyncio.Event()

    async def on_change(paths: set[Path]) -> None:
        seen.append(paths)
        event.set()

    (tmp_path / "app.py").write_text("v1")
    watcher = SourceWatcher([tmp_path], on_change, interval_s=0.05)
    await watcher.start()
    try:
        (tmp_path / "app.py").write_text("v2, longer")
        (tmp_path / "lib.py").write_text("new")
        await asyncio.wait_for(event.wait(), timeout=5)
        await asyncio.sleep(0.2)  # no second report for the same burst
    finally:
        watcher.cancel()
    assert seen == [{tmp_path / "app.py", tmp_path / "lib.py"}]


def test_a_fresh_translation_compiles_as_the_cached_one(tmp_path: Path) -> None:
    """Otherwise every first reload after a cold start would recompile the APIs."""
    app = tmp_path / "hello"
    shutil.copytree(ROOT / "examples" / "hello", app, ignore=shutil.ignore_patterns(".lamina"))
    fresh = load_application(str(app))
    assert list((app / ".lamina" / "cache" / "sam").glob("*.json"))
    assert load_application(str(app)) == fresh
