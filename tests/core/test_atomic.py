"""core.atomic: a file or folder is the old one or the complete new one, never half-written."""

from __future__ import annotations

import errno
import stat

import pytest

from evaluation.core.atomic import (
    MARKER,
    NotOwned,
    describe_os_error,
    owns_file,
    replaceable,
    replacing_dir,
    replacing_file,
    write_bytes,
    write_text,
)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_text_and_bytes_replace_the_target_whole(tmp_path):
    out = tmp_path / "sub" / "a.json"
    assert write_text(out, "old") == out
    write_text(out, "new")
    assert out.read_text(encoding="utf-8") == "new"
    write_bytes(out, b"\x00\x01")
    assert out.read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert _leftovers(out.parent) == []


def test_a_failing_writer_leaves_the_target_as_it_was_and_no_temporary(tmp_path):
    out = tmp_path / "brief.pdf"
    out.write_bytes(b"published")
    with pytest.raises(RuntimeError), replacing_file(out) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert out.read_bytes() == b"published"
    assert _leftovers(tmp_path) == []


def test_a_new_file_is_not_created_when_the_writer_fails(tmp_path):
    with pytest.raises(KeyboardInterrupt), replacing_file(tmp_path / "x.xlsx"):
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def _files(folder):
    """The folder's files besides the ownership marker (asserted present)."""
    assert (folder / MARKER).is_file()
    return sorted(p.name for p in folder.iterdir() if p.name != MARKER)


def test_replacing_dir_swaps_the_folder_whole_or_not_at_all(tmp_path):
    out = tmp_path / "demo"
    with replacing_dir(out) as tmp:
        (tmp / "a.csv").write_text("1")
    assert _files(out) == ["a.csv"]
    with pytest.raises(ValueError), replacing_dir(out) as tmp:
        (tmp / "b.csv").write_text("2")
        raise ValueError("bad input")
    assert _files(out) == ["a.csv"]
    with replacing_dir(out) as tmp:
        (tmp / "b.csv").write_text("2")
    assert _files(out) == ["b.csv"]
    assert _leftovers(tmp_path) == []


def test_replacing_dir_refuses_what_it_did_not_make(tmp_path):
    foreign = tmp_path / "field"
    foreign.mkdir()
    (foreign / "roster.csv").write_text("real")
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    link = tmp_path / "link"
    link.symlink_to(foreign)
    for target in (foreign, afile, link):
        with pytest.raises(NotOwned), replacing_dir(target, writer="demo-data") as tmp:
            (tmp / "x").write_text("x")
    assert (foreign / "roster.csv").read_text() == "real" and afile.read_text() == "mine"
    assert _leftovers(tmp_path) == []
    with replacing_dir(foreign, owned_if=("roster.csv",)) as tmp:  # a folder proven the package's another way
        (tmp / "a").write_text("a")
    assert _files(foreign) == ["a"]


def test_a_folder_stays_replaceable_only_while_unchanged(tmp_path):
    out = tmp_path / "demo"
    with replacing_dir(out, writer="demo-data") as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a.csv").write_text("1")
    assert replaceable(out)
    (out / "validation_problems.csv").write_text("severity,file,row,column,value\n")  # added by validate
    assert replaceable(out)
    (out / "validation_problems.csv").write_text("my own notes\n")
    assert not replaceable(out)
    (out / "validation_problems.csv").unlink()
    (out / "sub" / "a.csv").write_text("22")  # changed
    assert not replaceable(out)
    (out / MARKER).unlink()
    assert not replaceable(out)


def test_owns_file_by_signature(tmp_path):
    p = tmp_path / "validation_problems.csv"
    assert owns_file(p, b"severity,")  # missing: nothing to lose
    p.write_bytes(b"\xef\xbb\xbfseverity,file\n")
    assert owns_file(p, b"severity,")
    p.write_text("a,b\n")
    assert not owns_file(p, b"severity,") and not owns_file(p)
    assert not owns_file(tmp_path, b"")


@pytest.mark.parametrize(
    ("no", "words"),
    [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"), (errno.EACCES, "permission denied"),
     (errno.EIO, "check the path")],
)  # fmt: skip
def test_describe_os_error_names_the_path_and_what_to_do(no, words):
    import os

    msg = str(describe_os_error(OSError(no, os.strerror(no)), "reports/x"))
    assert words in msg and "reports/x" in msg and "What to do" in msg
    named = describe_os_error(OSError(no, os.strerror(no), "/data/processed/a.csv"), "reports")
    assert "/data/processed/a.csv" in str(named)


def test_a_demo_from_before_the_marker_is_replaceable_only_while_its_recorded_hashes_hold(tmp_path):
    """A demo folder written before .prokus-owned existed is recognised by its dataset.json record.

    The record (files_sha256) must match every file: replaced then, refused when one was changed, added or lost.
    """
    import hashlib
    import json

    from evaluation.core.atomic import replaceable

    d = tmp_path / "demo"
    d.mkdir()
    (d / "roster.csv").write_text("family_id\nF1\n", encoding="utf-8")
    (d / "survey.csv").write_text("family_id,wave\nF1,baseline\n", encoding="utf-8")
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}
    (d / "dataset.json").write_text(json.dumps({"synthetic": True, "files_sha256": hashes}), encoding="utf-8")
    assert replaceable(d)
    (d / "validation_problems.csv").write_text("severity,file,row,column,value\n", encoding="utf-8")
    assert replaceable(d)  # the problem list the package adds
    (d / "notes.txt").write_text("mine", encoding="utf-8")
    assert not replaceable(d)  # a file the generator did not write
    (d / "notes.txt").unlink()
    (d / "survey.csv").write_text("family_id,wave\nREAL,baseline\n", encoding="utf-8")
    assert not replaceable(d)  # a changed file
    (d / "survey.csv").unlink()
    assert not replaceable(d)  # a missing file
    (d / "dataset.json").write_text(json.dumps({"synthetic": False, "files_sha256": hashes}), encoding="utf-8")
    assert not replaceable(d)
