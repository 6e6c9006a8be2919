"""Input and output paths: checks before any work, and files replaced whole."""

import os

import pytest

from sklearn_ae.cli._errors import CLIError
from sklearn_ae.cli._files import check_output, existing_file, replaced_atomically


def test_replaced_atomically_keeps_the_extension_and_the_folder(tmp_path):
    path = tmp_path / "codes.csv.gz"
    with replaced_atomically(path) as temporary:
        assert temporary.parent == tmp_path
        assert temporary.name.endswith(".codes.csv.gz") and temporary.name.startswith(".")
        assert temporary.exists() and not path.exists()
        temporary.write_text("new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["codes.csv.gz"]


def test_replaced_atomically_uses_the_umask_for_new_files(tmp_path):
    umask = os.umask(0o027)
    try:
        with replaced_atomically(tmp_path / "new.joblib") as temporary:
            temporary.write_bytes(b"model")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.joblib").stat().st_mode & 0o777 == 0o640


def test_replaced_atomically_follows_a_link(tmp_path):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "v2.joblib"
    target.write_bytes(b"old")
    link = tmp_path / "current.joblib"
    link.symlink_to(target)
    with replaced_atomically(link) as temporary:
        temporary.write_bytes(b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_replaced_atomically_removes_the_temporary_file_on_failure(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError), replaced_atomically(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_check_output_before_any_work(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    check_output(tmp_path / "codes.csv", inputs=[data])  # fine
    with pytest.raises(CLIError, match="no such directory"):
        check_output(tmp_path / "missing" / "codes.csv")
    with pytest.raises(CLIError, match="it is a directory"):
        check_output(tmp_path)
    with pytest.raises(CLIError, match=r"the model file .* would overwrite an input"):
        check_output(data, inputs=[data], what="model")


def test_check_output_refuses_a_folder_it_cannot_write(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(CLIError, match=r"cannot write .*codes\.csv: the folder .* is not writable"):
        check_output(tmp_path / "codes.csv")


def test_replaced_atomically_replaces_a_read_only_file_keeping_its_mode(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("old")
    path.chmod(0o444)
    with replaced_atomically(path) as temporary:
        temporary.write_text("new")  # the mode is applied after writing, not before
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o444


def test_existing_file(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n")
    assert existing_file(str(tmp_path / "data.csv"), "no such file", "data") == tmp_path / "data.csv"
    with pytest.raises(CLIError, match="no such file: "):
        existing_file(tmp_path / "none.csv", "no such file", "data")
    with pytest.raises(CLIError, match="is a directory, not a data file"):
        existing_file(tmp_path, "no such file", "data")
