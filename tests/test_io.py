"""sim.io and sim.paths: atomic files and directories with the umask's permissions, nothing of the
user's deleted, and names and paths kept inside their folders (issue 15)."""

import os
import stat

import pandas as pd
import pytest

import sim
from sim.io import atomic_dir, read_parquet, save_figure, write_json, write_parquet, write_text
from sim.paths import PathError, check_name, resolve_inside

SMALL = ["synthetic.n_locations=30", "synthetic.n_units=40", "timeline.horizon_days=20"]


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.load_scenario("synthetic", SMALL), seed=1, replicates=2)


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


# ------------------------------------------------------------------ to_parquet on existing dirs
@pytest.mark.parametrize(
    "contents",
    [
        {"notes.txt": "mine"},  # a user's folder
        {"runs.parquet": "my own table"},  # a user's file with a name the project uses
        {"config.yaml": "x", "thesis.tex": "y"},  # an earlier result plus the user's file
        {"sub/deep.txt": "z"},  # a folder inside
    ],
    ids=["user-file", "same-name", "result-plus-user", "subfolder"],
)
def test_to_parquet_never_deletes_a_users_files(tmp_path, result, contents):
    target = tmp_path / "target"
    for name, text in contents.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    before = {p.relative_to(target): p.read_text() for p in target.rglob("*") if p.is_file()}
    for overwrite in (False, True):
        with pytest.raises(PathError) as e:
            result.to_parquet(target, overwrite=overwrite)
        assert str(e.value).count("\n") == 0
        assert "holds files the project did not write; nothing was changed" in str(e.value)
    after = {p.relative_to(target): p.read_text() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]  # no temporary left behind


def test_to_parquet_working_directory_refused(tmp_path, result, monkeypatch):
    (tmp_path / "keep.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    for target in (".", str(tmp_path), ".."):
        with pytest.raises(PathError, match="not the working directory or above it"):
            result.to_parquet(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_to_parquet_new_empty_and_earlier_result(tmp_path, result):
    result.to_parquet(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    result.to_parquet(tmp_path / "empty")
    for d in ("new", "empty"):
        back = sim.read_parquet(tmp_path / d)
        assert len(back.runs) == 2 and len(back.sides) == len(result.sides)
    with pytest.raises(PathError, match="holds an earlier result; pass overwrite=True"):
        result.to_parquet(tmp_path / "new")
    result.to_parquet(tmp_path / "new", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "new"]
    with pytest.raises(PathError, match="this is a file or a link"):
        result.to_parquet(tmp_path / "new" / "runs.parquet")


# ------------------------------------------------------------------ umask
@pytest.mark.parametrize(
    "umask,fmode,dmode", [(0o022, 0o644, 0o755), (0o002, 0o664, 0o775), (0o077, 0o600, 0o700)]
)
def test_files_and_dirs_follow_the_umask(tmp_path, result, umask, fmode, dmode):
    old = os.umask(umask)
    try:
        write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "t.parquet")
        write_json({"a": 1}, tmp_path / "t.json")
        write_text(tmp_path / "t.txt", "x")
        import matplotlib.pyplot as plt

        save_figure(plt.figure(), tmp_path / "t.png")
        result.to_parquet(tmp_path / "res")
        with atomic_dir(tmp_path / "d") as d:
            (d / "f").write_text("x")
    finally:
        os.umask(old)
    for f in ("t.parquet", "t.json", "t.txt", "t.png", "res/runs.parquet", "res/config.yaml"):
        assert mode(tmp_path / f) == fmode, f
    for d in ("res", "d"):
        assert mode(tmp_path / d) == dmode, d


def test_interrupted_directory_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "out") as d:
        (d / "half").write_text("x")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", [b"", b"PAR1", b"PAR1 half a file", b"not parquet at all"])
def test_truncated_parquet_is_one_line(tmp_path, damage):
    p = tmp_path / "runs.parquet"
    p.write_bytes(damage)
    with pytest.raises(PathError) as e:
        read_parquet(p)
    assert str(e.value).startswith(f"{p}: file = <unreadable> is invalid") and "\n" not in str(e.value)


# ------------------------------------------------------------------ hostile names
HOSTILE = [
    "../x",
    "../../etc/passwd",
    "/etc/passwd",
    "a/../../b",
    "~/x",
    "..",
    ".",
    "",
    "a/b",
    "x\x00y",
    "a;rm -rf",
    "it's",
    "..hidden",
    ".hidden",
    "a" * 200,
]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_check_name_refuses(name):
    with pytest.raises(PathError) as e:
        check_name(name, "calibrate", "name")
    assert "allowed: a plain name" in str(e.value) and "\n" not in str(e.value).replace(name, "")


@pytest.mark.parametrize("rel", ["../x", "/etc", "a/../../b", "~/x", "", "sub/../../x", "x\x00"])
def test_resolve_inside_refuses(tmp_path, rel):
    with pytest.raises(PathError, match="a relative path inside"):
        resolve_inside(tmp_path, rel, "file.yaml", "data.dir")


def test_resolve_inside_refuses_symlink_escape(tmp_path):
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "data" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(PathError, match="link leading out of it"):
        resolve_inside(root, "data/link", "file.yaml", "data.dir")
    assert resolve_inside(root, "data", "f", "data.dir") == (root / "data").resolve()
