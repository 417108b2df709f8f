"""core.atomic: a file or folder is the old one or the complete new one, never half-written."""

from __future__ import annotations

import stat

import pytest

from evaluation.core.atomic import replacing_dir, replacing_file, write_bytes, write_text


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


def test_replacing_dir_swaps_the_folder_whole_or_not_at_all(tmp_path):
    out = tmp_path / "demo"
    with replacing_dir(out) as tmp:
        (tmp / "a.csv").write_text("1")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"]
    with pytest.raises(ValueError), replacing_dir(out) as tmp:
        (tmp / "b.csv").write_text("2")
        raise ValueError("bad input")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"]
    with replacing_dir(out) as tmp:
        (tmp / "b.csv").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == ["b.csv"]
    assert _leftovers(tmp_path) == []
