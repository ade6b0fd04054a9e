"""
The walker shared by inventories and policies skips nothing silently: every path that cannot
be read or walked is an error naming it, never a smaller scan or a cleaner lint.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.errors import InputError, PolicyError
from scanner.inventory.files import discover
from scanner.walk import find_files

VM = {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a",
      "type": "Microsoft.Web/sites", "name": "a", "properties": {"httpsOnly": True}}


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    (root / "sub").mkdir(parents=True)
    (root / "a.json").write_text(json.dumps(VM))
    (root / "sub" / "b.jsonl").write_text(json.dumps(VM) + "\n")
    return root


def names(paths):
    return [p.name for p in paths]


def test_a_dangling_symlink_in_a_directory_is_an_error(tmp_path):
    root = tree(tmp_path)
    (root / "sub" / "gone.json").symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(InputError, match="dangling symlink") as err:
        discover([root])
    assert err.value.path == str(root / "sub" / "gone.json")


def test_a_dangling_symlink_given_directly_is_an_error(tmp_path):
    link = tmp_path / "x.json"
    link.symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(InputError, match="dangling symlink"):
        discover([link])


def test_a_dangling_symlink_to_a_directory_is_an_error_whatever_its_name(tmp_path):
    root = tree(tmp_path)
    (root / "more").symlink_to(tmp_path / "moved-away")  # was a folder of inventories
    with pytest.raises(InputError, match="dangling symlink"):
        discover([root])


def test_a_symlink_loop_is_an_error_not_endless_recursion(tmp_path):
    root = tree(tmp_path)
    (root / "sub" / "up").symlink_to(root)
    with pytest.raises(InputError, match="symlink loop") as err:
        discover([root])
    assert err.value.path == str(root / "sub" / "up")


def test_a_self_referencing_symlink_is_an_error(tmp_path):
    root = tree(tmp_path)
    (root / "self.json").symlink_to(root / "self.json")
    with pytest.raises(InputError, match="cannot read") as err:
        discover([root])
    assert err.value.path == str(root / "self.json")


def test_a_fifo_named_like_an_inventory_is_an_error(tmp_path):
    root = tree(tmp_path)
    os.mkfifo(root / "sub" / "pipe.json")
    with pytest.raises(InputError, match="FIFO"):
        discover([root])
    with pytest.raises(InputError, match="FIFO"):
        discover([root / "sub" / "pipe.json"])


def test_a_socket_named_like_an_inventory_is_an_error(tmp_path):
    root = tree(tmp_path)
    path = root / "s.jsonl"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(InputError, match="socket"):
            discover([root])
    finally:
        sock.close()


def test_a_path_through_a_file_is_an_error(tmp_path):
    root = tree(tmp_path)
    with pytest.raises(InputError, match="cannot read: Not a directory"):
        discover([root / "a.json" / "b.json"])


def test_symlinks_that_resolve_are_followed_and_each_file_is_read_once(tmp_path):
    root = tree(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.json").write_text(json.dumps(VM))
    (root / "linked").symlink_to(elsewhere)
    (root / "alias.json").symlink_to(root / "a.json")
    found = discover([root, root / "a.json"])
    assert names(found) == ["a.json", "c.json", "b.jsonl"]
    assert found[1] == root / "linked" / "c.json"


def test_two_links_to_one_directory_are_not_a_loop(tmp_path):
    root = tree(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "s.json").write_text(json.dumps(VM))
    (root / "l1").symlink_to(shared)
    (root / "l2").symlink_to(shared)
    assert names(discover([root])) == ["a.json", "s.json", "b.jsonl"]


def test_suffixes_match_in_any_case(tmp_path):
    root = tree(tmp_path)
    (root / "UPPER.JSON").write_text(json.dumps({**VM, "id": VM["id"] + "-u"}))
    (root / "lines.JsonL").write_text(json.dumps({**VM, "id": VM["id"] + "-l"}) + "\n" +
                                      json.dumps({**VM, "id": VM["id"] + "-m"}) + "\n")
    found = discover([root])
    assert names(found) == ["UPPER.JSON", "a.json", "lines.JsonL", "b.jsonl"]
    from scanner.inventory.files import InventoryFile
    assert [r.doc["id"][-2:] for r in InventoryFile(root / "lines.JsonL")] == ["-l", "-m"]


def test_a_directory_named_like_an_inventory_is_walked(tmp_path):
    root = tree(tmp_path)
    (root / "x.json").mkdir()
    (root / "x.json" / "d.json").write_text(json.dumps(VM))
    assert names(discover([root])) == ["a.json", "b.jsonl", "d.json"]  # sub/ < x.json/


def test_a_deep_tree_does_not_recurse(tmp_path):
    path = tmp_path / "deep"
    path.mkdir()
    here = path
    for _ in range(300):  # deeper than the walker could go by recursion with a low limit
        here = here / "d"
        here.mkdir()
    (here / "z.json").write_text(json.dumps(VM))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    try:
        found = find_files([path], (".json",), "inventory", InputError)
    finally:
        sys.setrecursionlimit(limit)
    assert names(found) == ["z.json"]


def test_an_unreadable_policy_folder_is_a_policy_error(tmp_path):
    from scanner.policy.catalog import discover as discover_policies

    pol = tmp_path / "policies"
    pol.mkdir()
    (pol / "p.yaml").write_text("id: X\n")
    (pol / "team").symlink_to(tmp_path / "unmounted")
    with pytest.raises(PolicyError, match="dangling symlink"):
        discover_policies([pol])


def test_lint_of_a_policy_folder_with_a_broken_link_is_exit_2(ccscan, tmp_path):
    pol = tmp_path / "policies"
    pol.mkdir()
    (pol / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    res = ccscan("lint", pol)
    assert res.exit_code == 2
    assert "gone.yaml" in res.stderr and "dangling symlink" in res.stderr


def test_scan_of_a_folder_with_a_broken_link_is_exit_2(ccscan, tmp_path):
    root = tree(tmp_path)
    (root / "gone.json").symlink_to(tmp_path / "nowhere.json")
    res = ccscan("scan", root, "--format", "json")
    assert res.exit_code == 2
    assert res.stdout == ""
    assert f"{root / 'gone.json'}: dangling symlink" in res.stderr


_UNPRIVILEGED_WALK = """
import os, sys
from pathlib import Path
from scanner.errors import InputError
from scanner.inventory.files import InventoryFile
from scanner.walk import find_files
os.setgid(65534)
os.setuid(65534)
for attempt in (lambda: find_files([Path(sys.argv[1])], (".json",), "inventory", InputError),
                lambda: list(InventoryFile(Path(sys.argv[2])))):
    try:
        print("READ", attempt())
    except InputError as e:
        print("ERROR", e.diagnostics())
"""


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0,
                    reason="needs root to drop to an unprivileged uid")
def test_an_unreadable_directory_or_file_is_an_error_for_an_unprivileged_user():
    # As root, permissions do not stop reads: drop to `nobody` in a child so they do. pytest's
    # tmp_path sits in a root-only directory, so this test makes its own under /tmp.
    base = Path(tempfile.mkdtemp())
    try:
        base.chmod(0o755)
        root = base / "inv"
        (root / "locked").mkdir(parents=True)
        root.chmod(0o755)
        (root / "a.json").write_text(json.dumps(VM))
        (root / "locked" / "b.json").write_text(json.dumps(VM))
        (root / "locked").chmod(0o000)
        secret = base / "secret.json"
        secret.write_text(json.dumps(VM))
        secret.chmod(0o000)
        res = subprocess.run([sys.executable, "-c", _UNPRIVILEGED_WALK, str(root), str(secret)],
                             check=False, capture_output=True, text=True, timeout=60,
                             cwd=Path(__file__).resolve().parents[1])
    finally:
        (base / "inv" / "locked").chmod(0o755)
        shutil.rmtree(base)
    if res.returncode != 0 and "Operation not permitted" in res.stderr:
        pytest.skip("cannot drop privileges here")
    assert res.stdout.splitlines() == [
        f"ERROR {root / 'locked'}: cannot list directory: Permission denied",
        f"ERROR {secret}: cannot read file: Permission denied",
    ], res.stdout + res.stderr


# A random tree: real directories and .json/.txt files, symlinks to directories and files
# (any of them, so links back up and mutual links make loops), and dangling links.
_entry = st.tuples(st.integers(0, 7), st.sampled_from(["dir", "json", "txt", "link-dir",
                                                       "link-file", "dangling"]), st.integers(0, 7))


@given(st.lists(_entry, max_size=14))
@settings(max_examples=150, deadline=None)
def test_any_tree_gives_every_file_once_or_one_error(entries):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        dirs, files, edges, dangling = [root], [], {0: set()}, False
        for n, (parent, kind, target) in enumerate(entries):
            p = dirs[parent % len(dirs)] / f"e{n}"
            here = parent % len(dirs)
            if kind == "dir":
                p.mkdir()
                dirs.append(p)
                edges[len(dirs) - 1] = set()
                edges[here].add(len(dirs) - 1)
            elif kind in ("json", "txt"):
                p = p.with_suffix("." + kind)
                p.write_text("{}")
                if kind == "json":
                    files.append(p)
            elif kind == "link-dir":
                p.symlink_to(dirs[target % len(dirs)])
                edges[here].add(target % len(dirs))
            elif kind == "link-file" and files:
                p.with_suffix(".json").symlink_to(files[target % len(files)])
            elif kind == "dangling":
                p.with_suffix(".json").symlink_to(Path(tmp) / "nowhere")
                dangling = True
        # Expected by hand: a cycle among directories (following links) is a loop.
        state: dict[int, int] = {}

        def cyclic(d: int) -> bool:
            state[d] = 1
            for e in edges[d]:
                if state.get(e) == 1 or (e not in state and cyclic(e)):
                    return True
            state[d] = 2
            return False

        loop = cyclic(0)
        try:
            found = find_files([root], (".json",), "inventory", InputError)
        except InputError as e:
            assert dangling or loop or not files, e.diagnostics()
            if not dangling and not loop:
                assert "no inventory files" in e.message
            return
        assert not dangling and not loop
        assert sorted(p.resolve() for p in found) == sorted(p.resolve() for p in files)
