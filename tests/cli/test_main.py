"""The command line as a whole: one error format and exit status, help in plain words."""

from __future__ import annotations

import re

import pytest

from xaqf.cli import build_parser, main

RST = re.compile(r"``|:(func|class|mod|meth|data|attr):`")


def test_help_texts_are_plain_words():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert subparsers.choices
    for name, sub in subparsers.choices.items():
        text = sub.format_help()
        assert not RST.search(text), f"xaqf {name} --help shows reStructuredText"
    assert not RST.search(parser.format_help())


@pytest.mark.parametrize("argv", [["info", "no-such.nc"],
                                  ["sample-data", "out", "--days", "1"],
                                  ["train", "no-such-config.json"]])
def test_errors_are_one_line_named_by_the_command_and_exit_2(argv, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xaqf {argv[0]}: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_usage_errors_have_the_same_form(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["info"])
    assert exit_.value.code == 2
    assert "xaqf info: error: " in capsys.readouterr().err
