"""The sandbox part of a spawn spec as the worker reads it, and where layers go on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lamina.functions.bootstrap import isolation, rootfs


def test_settings_spec_without_sandbox_uses_lambda_defaults() -> None:
    chosen = isolation.settings({"task_root": "/code"})
    assert chosen.mode == isolation.AUTO
    assert chosen.layers == ()
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
    assert chosen.ephemeral_mb == 512
    assert chosen.scratch_root.endswith(f"lamina-environments-{os.getuid()}")


def test_settings_sandbox_fields_are_read() -> None:
    spec = {
        "sandbox": {
            "mode": "fallback",
            "layers": ["/l/one", "/l/two"],
            "ephemeral_mb": 2048,
            "scratch_root": "/var/scratch",
            "hide": ["/app/.state"],
        }
    }
    assert isolation.settings(spec) == isolation.Settings(
        mode="fallback",
        layers=("/l/one", "/l/two"),
        ephemeral_mb=2048,
        scratch_root="/var/scratch",
        hide=("/app/.state",),
    )


def test_settings_unknown_mode_raises() -> None:
    with pytest.raises(ValueError, match="unknown isolation mode 'chroot'"):
        isolation.settings({"sandbox": {"mode": "chroot"}})


def test_scratch_dir_is_per_zygote_and_worker() -> None:
    spec = {"sandbox": {"scratch_root": "/var/scratch"}}
    assert isolation.scratch_dir(spec, 10, 42) == "/var/scratch/10/42"


def test_scratch_dir_bad_sandbox_field_does_not_raise() -> None:
    # The zygote calls it for every spawn: a malformed spec must not bring it down.
    path = isolation.scratch_dir({"sandbox": "nonsense"}, 10, 42)
    assert path.endswith(f"lamina-environments-{os.getuid()}/10/42")


def test_layer_python_paths_site_packages_then_python() -> None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert isolation._layer_python_paths("/opt") == [
        f"/opt/python/lib/{version}/site-packages",
        "/opt/python",
    ]


def test_after_task_root_inserts_right_after_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", ["/code", "/stdlib"])
    isolation._after_task_root("/code", ["/opt/a", "/opt/b"])
    assert sys.path == ["/code", "/opt/a", "/opt/b", "/stdlib"]


def test_after_task_root_missing_code_inserts_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", ["/stdlib"])
    isolation._after_task_root("/code", ["/opt/a"])
    assert sys.path == ["/opt/a", "/stdlib"]


def test_runtime_dirs_are_prefixes_and_runtime_folder_not_sys_path() -> None:
    dirs = isolation.runtime_dirs()
    assert sys.base_prefix in dirs
    assert sys.prefix in dirs
    assert dirs[-1].endswith("lamina/functions/bootstrap")
    # The checkout on sys.path (editable installs, pytest's pythonpath) holds .lamina/.
    assert str(Path(__file__).parents[4]) in sys.path
    assert str(Path(__file__).parents[4]) not in dirs


def test_overlay_escape_protects_separators() -> None:
    assert rootfs._overlay_escape("/a:b,c\\d") == "/a\\:b\\,c\\\\d"


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("/usr/lib/app", "/usr/lib/app", True),
        ("/usr", "/usr", True),
        ("/usrx", "/usrx", False),
        ("/usr/lib/app", "/var/task", False),
        ("/srv/code", "/srv/code", False),
    ],
)
def test_shown_only_when_an_ancestor_is_bound_at_its_own_path(
    source: str, target: str, expected: bool
) -> None:
    chosen = [("/usr", "/usr"), ("/srv", "/var/task")]
    assert rootfs._shown(source, target, chosen) is expected
