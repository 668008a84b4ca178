"""Reading batch files (txt, jsonl, csv, sniffed from stdin) and naming their images under --out."""

from __future__ import annotations

from fluxtui.commands.batch_output import safe_name, stems
from fluxtui.core.batch_source import BadLine, SourceLine, format_of, read
from fluxtui.core.batch_store import LineRow


def test_txt_is_a_prompt_a_line_with_comments_and_blank_lines_skipped() -> None:
    text = "# props for the shop\na red mug\n\n   \n  a blue mug  \n#a comment\n"
    assert read(text, "txt") == [
        SourceLine(2, {"prompt": "a red mug"}),
        SourceLine(5, {"prompt": "a blue mug"}),
    ]


def test_jsonl_lines_keep_their_numbers_and_bad_ones_say_why() -> None:
    text = '{"prompt": "a", "seed": 3}\n\n[1, 2]\n{"prompt": "b", "colour": 1}\n{oops\n'
    lines = read(text, "jsonl")
    assert lines[0] == SourceLine(1, {"prompt": "a", "seed": 3})
    assert isinstance(lines[1], BadLine) and lines[1].number == 3
    assert "one object a line" in lines[1].problem
    assert isinstance(lines[2], BadLine) and lines[2].number == 4
    assert lines[2].problem.startswith("'colour' is not a field: one of prompt, provider")
    assert isinstance(lines[3], BadLine) and lines[3].number == 5
    assert lines[3].problem.startswith("not a JSON object")


def test_csv_has_a_prompt_column_plus_fields_and_numbers_records_by_their_first_line() -> None:
    text = (
        "prompt,seed,params,images\n"
        '"a mug,\non two lines",4,"{""steps"": 2}",ref.png\n'
        "a plate,,,\n"
        "a,b,c,d,e\n"
    )
    lines = read(text, "csv")
    assert lines[0] == SourceLine(
        2,
        {
            "prompt": "a mug,\non two lines",
            "seed": "4",
            "params": '{"steps": 2}',
            "images": ["ref.png"],
        },
    )
    assert lines[1] == SourceLine(4, {"prompt": "a plate"})
    assert lines[2] == BadLine(5, "5 cells, the header names 4")
    [bad] = read("seed,steps\n1,2\n", "csv")
    assert bad == BadLine(1, "header: the header has no prompt column")


def test_the_format_comes_from_the_flag_the_suffix_or_the_text() -> None:
    assert format_of("shop.csv", "anything") == "csv"
    assert format_of("shop.JSONL", "anything") == "jsonl"
    assert format_of("-", '\n# c\n{"prompt": "a"}\n') == "jsonl"
    assert format_of("-", "prompt,seed\na,1\n") == "csv"
    assert format_of("-", "a red mug\n") == "txt"
    assert format_of("-", '{"prompt": "a"}', "txt") == "txt"


def test_images_are_named_by_a_safe_name_or_the_line_number_and_never_collide() -> None:
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("mug: red / large") == "mug_red_large"
    assert safe_name("...") == ""
    rows = [
        LineRow("a:1", 7, "p", "mug"),
        LineRow("b:1", 9, "p", None),
        LineRow("a:2", 12, "p", "mug"),
        LineRow("c:1", 13, "p", "MUG"),
        LineRow("d:1", 14, "p", "///"),
    ]
    assert stems(rows) == {
        "a:1": "mug",
        "b:1": "0009",
        "a:2": "mug-2",
        "c:1": "MUG-3",
        "d:1": "0014",
    }


def test_the_format_flag_offers_every_format_the_reader_knows() -> None:
    from fluxtui.cli import build_parser
    from fluxtui.core.batch_source import FORMATS

    for fmt in FORMATS:
        assert build_parser().parse_args(["batch", "-", "--format-in", fmt]).format_in == fmt
