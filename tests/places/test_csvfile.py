"""places.csvfile: how every import reads its CSV file."""

from django.utils import translation

import pytest

from wijkregie.places import csvfile
from wijkregie.places.csvfile import Problem

NOT_UTF8 = (
    "The file is not encoded as UTF-8. Save it as “CSV UTF-8” in your spreadsheet program "
    "and upload it again."
)


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"a,b\r\n1,2\r\n", "a,b\r\n1,2\r\n"),
        (b"\xef\xbb\xbfa;b\n1;2\n", "a;b\n1;2\n"),  # the byte-order mark of "CSV UTF-8"
        (b"\r\n\r\na,b\n", "a,b\n"),  # blank lines before the header
        ("naam\nJosé\n".encode(), "naam\nJosé\n"),
    ],
)
def test_decode_reads_utf8_with_or_without_a_byte_order_mark(content, text):
    assert csvfile.decode(content) == (text, None)


@pytest.mark.parametrize(
    ("content", "max_bytes", "problem"),
    [
        (b"", None, Problem(None, "", "The file is empty.")),
        (b" \r\n\t\r\n", None, Problem(None, "", "The file is empty.")),
        (b"a,b\n1,2\n", 5, Problem(None, "", "The file is larger than the maximum of 5\xa0bytes.")),
        ("a,b\n1,2\n".encode("utf-16"), None, Problem(None, "", NOT_UTF8)),
        ("a,b\n1,2\n".encode("utf-16-le"), None, Problem(None, "", NOT_UTF8)),  # no mark
        ("a,b\n1,2\nJosé,3\n".encode("cp1252"), None, Problem(3, "", NOT_UTF8)),
        (
            b"a,b\n1,2\n3,\x004\n",
            None,
            Problem(3, "", "The file contains a NUL character: it is not a CSV."),
        ),
    ],
)
def test_decode_names_the_problem_that_stops_reading(content, max_bytes, problem):
    with translation.override("en"):
        assert csvfile.decode(content, max_bytes=max_bytes) == (None, problem)


def test_decode_says_it_in_dutch():
    with translation.override("nl"):
        assert csvfile.decode(b"") == (None, Problem(None, "", "Het bestand is leeg."))


COLUMNS = ("bag_id", "postcode", "house_number", "floor")
REQUIRED = ("postcode", "house_number")


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("bag_id,postcode,house_number", ","),
        ("bag_id;postcode;house_number", ";"),
        ("bag_id\tpostcode\thouse_number", "\t"),
        ("Postcode;House number;remark, with a comma", ";"),  # the one naming the required
        ("postcode|house_number", ","),  # none does: the one naming the most known columns
    ],
)
def test_read_header_finds_the_delimiter(line, delimiter):
    header = csvfile.read_header(line + "\n", columns=COLUMNS, required=REQUIRED)
    assert header.delimiter == delimiter


def test_read_header_normalises_names_and_reports_missing_and_repeated_columns():
    header = csvfile.read_header(
        ' "Post-code" ,HOUSE NUMBER,x,post_code,nr\r\n1,2\r\n',
        columns=(*COLUMNS, "x"),
        required=("postcode", "house_number", "floor"),
        aliases={"post_code": "postcode"},
    )

    assert header.names == ["postcode", "house_number", "x", "postcode", "nr"]
    assert (header.width, header.positions) == (5, {"postcode": 0, "house_number": 1, "x": 2})
    assert (header.missing, header.duplicates) == (["floor"], ["postcode"])


def test_read_header_keeps_the_first_of_a_repeated_column():
    header = csvfile.read_header(
        "postcode,house_number,postcode,floor,floor\n", columns=COLUMNS, required=REQUIRED
    )

    assert header.positions == {"postcode": 0, "house_number": 1, "floor": 3}
    assert (header.missing, header.duplicates) == ([], ["floor", "postcode"])


def test_read_header_applies_aliases():
    header = csvfile.read_header(
        "rd_x,rd_y\n", columns=("x", "y"), required=("x", "y"), aliases={"rd_x": "x", "rd_y": "y"}
    )
    assert (header.positions, header.missing) == ({"x": 0, "y": 1}, [])


def test_read_rows_numbers_rows_as_a_spreadsheet_and_leaves_blank_ones_out():
    text = 'a,b\r\n1,2\r\n\r\n,\r\n , \r\n"x\r\ny",3\r\n4,5\r\n'

    rows, problem = csvfile.read_rows(text, ",")

    assert problem is None
    assert rows == [(2, ["1", "2"]), (6, ["x\r\ny", "3"]), (7, ["4", "5"])]


def test_read_rows_stops_where_the_csv_cannot_be_read():
    text = "a,b\n1,2\n" + "x" * 200_000 + ",3\n4,5\n"

    with translation.override("en"):
        rows, problem = csvfile.read_rows(text, ",")

    assert rows == [(2, ["1", "2"])]
    assert problem == Problem(
        3,
        "",
        "The file cannot be read as CSV from this row on: field larger than field limit (131072)",
    )
