"""Reading and writing tables, and choosing their columns, called directly."""

import gzip

import numpy as np
import pytest

from sklearn_ae.cli._columns import columns_selector, model_selector, names_text
from sklearn_ae.cli._errors import CLIError
from sklearn_ae.cli._tables import file_format, read_table, write_table

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.5, -6.0], [7.0, 8.0, 9e10]])


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------ CSV


def test_csv_with_a_header(tmp_path):
    path = write(tmp_path / "data.csv", "a,b,c\n1,2,3\n4,5.5,-6\n7,8,9e10\n")
    values, names = read_table(path)
    assert names == ["a", "b", "c"]
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, X)


def test_csv_with_a_byte_order_mark_quotes_and_gzip(tmp_path):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8-sig") as f:
        f.write('"a", b ,c\n"1",2,3\n')
    values, names = read_table(path)
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(values, [[1, 2, 3]])


def test_csv_without_a_header_is_an_error(tmp_path):
    path = write(tmp_path / "headless.csv", "1.5,2,3\n4,5,6\n")
    with pytest.raises(CLIError, match=r"looks like numbers, not column names.*header row"):
        read_table(path)
    # True/False cells are data (1 and 0): a first row of them was read as names, one row lost.
    path = write(tmp_path / "flags.csv", "False,True\nFalse,False\nTrue,True\n")
    with pytest.raises(CLIError, match=r"looks like numbers, not column names"):
        read_table(path)
    # ... unless --columns names them (a pivot on a bool column writes such a header)
    values, names = read_table(path, columns_selector(["False", "True"]))
    assert names == ["False", "True"] and values.shape == (2, 2)


def test_csv_with_integer_column_names_is_read(tmp_path, capsys):
    path = write(tmp_path / "numbered.csv", "0,1,2\n1.5,2,3\n")  # e.g. DataFrame(X).to_csv(index=False)
    values, names = read_table(path)
    assert names == ["0", "1", "2"]
    np.testing.assert_array_equal(values, [[1.5, 2, 3]])
    assert capsys.readouterr().err == ""  # pandas' default names: no warning


def test_a_first_row_of_other_integers_is_read_as_names_with_a_warning(tmp_path, capsys):
    """It may be data without a header (one row would be lost) or names such as years."""
    path = write(tmp_path / "years.csv", "2019,2020,2021\n1,2,3\n4,5,6\n")
    values, names = read_table(path)
    assert names == ["2019", "2020", "2021"] and values.shape == (2, 3)
    assert "warning: " in (err := capsys.readouterr().err)
    assert "the first row (2019, 2020, 2021) is read as column names" in err


@pytest.mark.parametrize("cell", ["1_5", "\u0661\u0665"])
def test_text_that_python_would_read_as_a_number_is_text(tmp_path, cell):
    """float() takes '1_5' (15) and Arabic-Indic digits; pandas reads them as text."""
    path = write(tmp_path / "codes.csv", f"a,b\n{cell},2\n3,4\n")
    with pytest.raises(CLIError, match=r"column\(s\) 'a' are not numeric"):
        read_table(path)


def test_damaged_gzip_data_and_an_unclosed_quote_are_unreadable_files(tmp_path):
    rows = np.random.RandomState(0).randint(0, 10**6, size=(2_000, 2))
    data = gzip.compress(("a,b\n" + "".join(f"{a},{b}\n" for a, b in rows)).encode())
    damaged = bytearray(data)
    for i in range(200, 260):
        damaged[i] ^= 0xFF
    (tmp_path / "damaged.csv.gz").write_bytes(bytes(damaged))
    with pytest.raises(CLIError, match=r"could not read .* as a UTF-8 CSV file"):
        read_table(tmp_path / "damaged.csv.gz")
    path = write(tmp_path / "quote.csv", 'a\n"1\n' + "2\n" * 70_000)  # past the csv field limit
    with pytest.raises(CLIError, match=r"could not read .* as a UTF-8 CSV file"):
        read_table(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        (",a,b\n0,1,2\n", "column 1 has no name.*index=False"),
        ("a,b,a\n1,2,3\n", "used twice in the header row: 'a'"),
        ("a,b\n", "has no data rows"),
        ("a,b\n1,2\n3\n", "line 3: 1 field"),
        ("amount,score\n1,234,0.5\n2,0.7\n", "line 2: 3 field"),  # an unquoted comma shifts no data
        ("a,b,c\n1,2,3\n4,5,6,7\n", "line 3: 4 field"),
        ("a\n1,5\n2\n", "line 2: 2 field"),
        ("a,b\n1,inf\n", r"'b' have infinite values \(first in line 2\); .*replace them"),
        ("a,b,c\n1,,2\n-Infinity,1e400,3\n", r"'a', 'b' have infinite values \(first in line 3\)"),
        ("a,b,c\n1,2,3\n\n\n7,8,inf\n", r"\(first in line 5\)"),  # blank lines are no rows, but lines
        ('"a\nx",b\n1,2\n4,inf\n', r"\(first in line 4\)"),  # a quoted line break in the header
        ("a,b\n , \n1,inf\n", r"\(first in line 3\)"),  # a row of empty cells is a row
        ("a,b,c,\n1,2,3,\n", "column 4 has no name in the header row \\(leave it out with --columns\\)"),
        ("a;b;c\n1;2;3\n", "looks separated by semicolons; the command line reads comma-separated"),
        ("price|usd\n5\nx\n", r"'price\|usd' are not numeric"),  # one column whose name has a |
        ("a\tb\n1\t2\n", "looks separated by tabs"),
        ("a,b\n1,NA\n", r"'b' are not numeric \(line 2 has 'NA'\); write a missing value as an empty cell"),
        ("a,b\n,\n , nan\n", r"every value of the 2 column\(s\) used is missing"),
    ],
)
def test_csv_problems_name_the_place(tmp_path, text, message):
    with pytest.raises(CLIError, match=message):
        read_table(write(tmp_path / "bad.csv", text))


def test_empty_csv_cells_and_nan_are_missing(tmp_path):
    path = write(tmp_path / "holes.csv", 'a,b,c,city\n1,,3,P\n,"",\t,L\n\n4,nan,-NaN,\n7,8,9,""\n')
    values, names = read_table(path, columns_selector(["a", "b", "c"]))  # blank lines are not rows
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(values, [[1, np.nan, 3], [np.nan] * 3, [4, np.nan, np.nan], [7, 8, 9]])
    with pytest.raises(CLIError, match=r"column\(s\) 'city' are not numeric \(line 2 has 'P'\)"):
        read_table(path)  # an empty cell is no excuse for text elsewhere


def test_a_one_column_csv_reads_blank_lines_as_missing(tmp_path):
    path = write(tmp_path / "one.csv", 'a\n1\n\n""\n2\n\n \n')  # the blank lines at the end are not rows
    values, _ = read_table(path)
    np.testing.assert_array_equal(values, [[1], [np.nan], [np.nan], [2]])


def test_a_line_break_in_a_quoted_text_cell(tmp_path):
    """Standard CSV (pandas and spreadsheets write it): the record goes on to the next line."""
    path = write(tmp_path / "notes.csv", 'name,a,b\n"Smith,\nJ.",1,2\nBob,3,4\n"A ""quoted""\n\nname",5,7\n')
    X, names = read_table(path, columns_selector(["a", "b"]))
    assert names == ["a", "b"]
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 7]])
    # The line a record starts on; the message says where it ends.
    message = r"'name' are not numeric \(line 2 has 'Smith,\\nJ.'\) \(a quoted field spans lines 2 to 3"
    with pytest.raises(CLIError, match=message):
        read_table(path)


def test_quotes_outside_the_standard_are_read_as_before(tmp_path):
    """A space (or text) after a closing quote is not a quote that goes on to the next line."""
    path = write(tmp_path / "loose.csv", 'name,a,b\n"Smith, J" ,1,2\n"Doe"r,3,4\n5" pipe,5,6\n')
    X, _ = read_table(path, columns_selector(["a", "b"]))
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])


def test_a_quote_never_closed_is_an_error(tmp_path):
    """A stray opening quote joins lines only up to the csv module's field limit, then stops."""
    rows = [f"r{i},{i},{2 * i}" for i in range(20_000)]
    rows[10] = '"5 inch,10,20'
    path = write(tmp_path / "stray.csv", "name,a,b\n" + "\n".join(rows) + "\n")
    with pytest.raises(CLIError, match=r"field limit|never closed"):
        read_table(path, columns_selector(["a", "b"]))


def test_columns_left_out_need_no_name_and_may_repeat_one(tmp_path):
    """``--columns`` leaves out a pandas index (no name), a trailing comma's column and
    a repeated name; only the columns read must be named once."""
    path = write(tmp_path / "index.csv", ",a,b,a,\n0,1,2,3,\n1,4,5,6,\n")
    X, _ = read_table(path, columns_selector(["b"]))
    np.testing.assert_array_equal(X, [[2], [5]])
    with pytest.raises(CLIError, match="used twice in the header row: 'a'"):
        read_table(path, columns_selector(["a", "b"]))


def test_quoted_commas_count_as_one_field(tmp_path):
    path = write(tmp_path / "quoted.csv", 'name,a,b\n"x, y",1,2\nz,3,4\n')
    values, _ = read_table(path, columns_selector(["a", "b"]))
    np.testing.assert_array_equal(values, [[1, 2], [3, 4]])
    with pytest.raises(CLIError, match="line 2: 2 field"):
        read_table(write(tmp_path / "short.csv", 'a,b,c\n"1,2",3\n'))


def test_a_short_row_with_a_quoted_comma_is_an_error_even_where_its_columns_are_not_used(tmp_path):
    """Its commas count right (a quoted one included), but it has a field too few."""
    path = write(tmp_path / "short.csv", 't,a,b\nq,1,2\n"x,y",5\nz,3,4\n')
    with pytest.raises(CLIError, match="line 3: 2 field"):
        read_table(path, columns_selector(["a"]))


def test_an_unclosed_quote_is_reported_at_the_line_it_opens(tmp_path):
    path = write(tmp_path / "unclosed.csv", 'a,b\n1,2\n"3,4\n5,6\n7,8\n')
    message = r"line 3: 1 field\(s\), but the header names 2 columns \(a quoted field spans lines 3 to 5"
    with pytest.raises(CLIError, match=message):
        read_table(path)


def test_a_one_column_file_counts_its_blank_lines_as_rows_in_messages(tmp_path):
    """The messages name the file's line; in a one-column file a blank line is a row."""
    path = write(tmp_path / "codes.csv", "u\n1.0\n\n2.0\n")
    with pytest.raises(CLIError, match=r"first in line 3\); codes!$"):
        read_table(path, complete="codes!")
    two = write(tmp_path / "two.csv", "u,v\n1,2\n\n3,\n")  # a column chosen from two: blank lines skipped
    with pytest.raises(CLIError, match=r"first in line 4\); codes!$"):
        read_table(two, columns_selector(["v"]), complete="codes!")


def test_a_numeric_header_is_read_as_names_when_the_columns_are_chosen_by_them(tmp_path, capsys):
    """Spectra: wavelengths name the columns. Unnamed, such a first row is refused as data."""
    path = write(tmp_path / "spectra.csv", "400.5,401.0,401.5\n0.1,0.2,0.3\n0.4,0.5,0.6\n")
    with pytest.raises(CLIError, match=r"looks like numbers.*choose the columns by those names"):
        read_table(path)
    X, names = read_table(path, columns_selector(["401.5", "400.5"]))
    assert names == ["401.5", "400.5"]
    np.testing.assert_array_equal(X, [[0.3, 0.1], [0.6, 0.4]])
    # Names typed by hand might match a row of data: said, once the row is taken as names.
    assert "read as column names as --columns names columns in it" in capsys.readouterr().err
    X, _ = read_table(path, model_selector(["400.5", "401.0", "401.5"], 3, None))  # a model's names
    assert X.shape == (2, 3) and capsys.readouterr().err == ""
    # A model's names in another order: a headerless file of small whole numbers can
    # start with them, which lost a row and swapped the columns without a word.
    counts = write(tmp_path / "counts.csv", "3,2,1,0\n1,2,3,3\n0,0,3,3\n")
    X, _ = read_table(counts, model_selector(["0", "1", "2", "3"], 4, None))
    assert X.shape == (2, 4)
    assert "holds the model's column names, in another order; if it is data" in capsys.readouterr().err
    flags = write(tmp_path / "flags.csv", "True,False\nFalse,False\nTrue,True\n")  # read as 1 and 0
    X, _ = read_table(flags, model_selector(["False", "True"], 2, None))  # a pivot on a bool column
    assert X.shape == (2, 2)
    assert "holds the model's column names, in another order; if it is data" in capsys.readouterr().err
    reordered = write(tmp_path / "reordered.csv", "401.0,400.5,401.5\n0.2,0.1,0.3\n")  # wavelengths
    X, _ = read_table(reordered, model_selector(["400.5", "401.0", "401.5"], 3, None))
    np.testing.assert_array_equal(X, [[0.1, 0.2, 0.3]])
    assert capsys.readouterr().err == ""
    # Some names in the row: it is the header, and the message is about the names that are not.
    with pytest.raises(CLIError, match=r"has no column\(s\) '999'; its columns are '400.5', '401.0'"):
        read_table(path, columns_selector(["400.5", "999"]))
    with pytest.raises(CLIError, match=r"has column\(s\) the model was not trained on: '401.5'"):
        read_table(path, model_selector(["400.5", "401.0"], 2, None))
    with pytest.raises(CLIError, match="looks like numbers"):  # none of the names in the row: it is data
        read_table(path, columns_selector(["a", "b"]))


def test_an_all_missing_file_is_refused_unless_allowed(tmp_path):
    path = write(tmp_path / "empty_values.csv", "a,b\n,\n")
    with pytest.raises(CLIError, match="every value of the 2 column"):
        read_table(path)
    X, _ = read_table(path, all_missing=True)  # transform encodes such rows
    assert np.isnan(X).all() and X.shape == (1, 2)


def test_whitespace_only_lines_are_blank_lines(tmp_path):
    values, _ = read_table(write(tmp_path / "spaces.csv", "a,b\n1,2\n \n3,4\n\t\n"))
    np.testing.assert_array_equal(values, [[1, 2], [3, 4]])


def test_unused_columns_are_not_parsed_but_rows_are_counted(tmp_path):
    path = write(tmp_path / "ids.csv", "id,a,b\nx,1,2\ny,3,4\n")
    values, _ = read_table(path, columns_selector(["b", "a"]))
    np.testing.assert_array_equal(values, [[2, 1], [4, 3]])
    with pytest.raises(CLIError, match="line 3: 4 field"):
        read_table(write(tmp_path / "long.csv", "id,a,b\nx,1,2\ny,3,4,5\n"), columns_selector(["a"]))


def test_missing_values_are_an_error_when_complete_data_is_needed(tmp_path):
    path = write(tmp_path / "codes.csv", "u,v\n1,2\n3,\n")
    with pytest.raises(CLIError, match=r"'v' have missing \(empty or NaN\) values") as info:
        read_table(path, complete="codes!")
    assert str(info.value).endswith("(first in line 3); codes!")
    np.testing.assert_array_equal(read_table(path, columns_selector(["u"]), complete="codes!")[0], [[1], [3]])


def test_non_numeric_csv_columns_are_an_error(tmp_path):
    path = write(tmp_path / "mixed.csv", "a,city,b\n1,Paris,2\n3,Lyon,4\n")
    with pytest.raises(
        CLIError, match=r"column\(s\) 'city' are not numeric \(line 2 has 'Paris'\).*--columns"
    ):
        read_table(path)
    values, names = read_table(path, columns_selector(["a", "b"]))  # leaving it out works
    assert names == ["a", "b"]
    np.testing.assert_array_equal(values, [[1, 2], [3, 4]])


def test_unreadable_files(tmp_path):
    with pytest.raises(CLIError, match="no such file"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(CLIError, match="is a directory"):
        read_table(tmp_path)
    (tmp_path / "latin1.csv").write_bytes("a,b\n1,2\n\xe9,3\n".encode("latin-1"))
    with pytest.raises(CLIError, match=r"as a UTF-8 CSV file .*save it again as UTF-8"):
        read_table(tmp_path / "latin1.csv")


def test_csv_booleans_read_as_parquet_booleans_do(tmp_path):
    """pandas writes a bool column to CSV as True/False; a model fitted on the Parquet
    copy of the same frame (bools read as 1/0) could not encode the CSV copy."""
    path = write(tmp_path / "flags.csv", "a,flag\n1,True\n2,false\n3,\n4, TRUE \n")
    values, _ = read_table(path)
    np.testing.assert_array_equal(values, [[1, 1], [2, 0], [3, np.nan], [4, 1]])
    with pytest.raises(CLIError, match=r"'flag' are not numeric \(line 2 has 'yes'\)"):
        read_table(write(tmp_path / "words.csv", "a,flag\n1,yes\n"))


def test_a_saved_pandas_index_column_is_read_with_a_warning(tmp_path, capsys):
    """A file saved with to_csv() keeps the index as 'Unnamed: 0' (row numbers) once read
    and saved again: it was used as a feature silently."""
    path = write(tmp_path / "indexed.csv", "Unnamed: 0,a,b\n0,1,2\n1,3,4\n")
    values, names = read_table(path)
    assert names == ["Unnamed: 0", "a", "b"] and values.shape == (2, 3)
    assert "'Unnamed: 0' look like a pandas index" in capsys.readouterr().err
    read_table(path, columns_selector(["Unnamed: 0", "a"]))  # named knowingly: no warning
    read_table(path, columns_selector(["a", "b"]))
    # A model's columns were chosen at its fit (a model fitted on arrays has no names, and
    # leaving a column out, as the warning advises, would break it): no warning.
    read_table(path, model_selector(None, 3, None))
    assert capsys.readouterr().err == ""


def test_names_used_twice_say_how_to_fix_them(tmp_path):
    with pytest.raises(CLIError, match=r"used twice in the header row: 'a'; give each column its own name"):
        read_table(write(tmp_path / "twice.csv", "a,a\n1,2\n"))


# -------------------------------------------------------------------- Parquet


def test_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1, 4], "b": np.float32([2, 5.5]), "flag": [True, False], "city": ["P", "L"]})
    frame.to_parquet(tmp_path / "data.parquet")
    values, names = read_table(tmp_path / "data.parquet", columns_selector(["flag", "b", "a"]))
    assert names == ["flag", "b", "a"]
    np.testing.assert_array_equal(values, [[1, 2, 1], [0, 5.5, 4]])
    with pytest.raises(CLIError, match=r"column\(s\) 'city' \(\w+\) are not numeric"):
        read_table(tmp_path / "data.parquet")
    pd.DataFrame({"": [1.0], "b": [2.0]}).to_parquet(tmp_path / "unnamed.parquet")
    with pytest.raises(CLIError, match=r"column 1 has no name in the file \(leave it out with --columns\)"):
        read_table(tmp_path / "unnamed.parquet")
    # A model fitted on a DataFrame with a column named "" reads it (it was refused).
    values, _ = read_table(tmp_path / "unnamed.parquet", model_selector(["", "b"], 2, None))
    np.testing.assert_array_equal(values, [[1.0, 2.0]])
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 and then nothing")
    with pytest.raises(CLIError, match=r"could not read .* as Parquet"):
        read_table(tmp_path / "broken.parquet")


def test_parquet_reads_only_the_chosen_columns_and_never_a_stored_index(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "notes": ["x", "y"]})
    frame.index = pd.Index([10, 20], name="id")  # to_parquet stores a named index as a column
    frame.to_parquet(tmp_path / "indexed.parquet")
    read_columns = []
    read_parquet = pd.read_parquet
    monkeypatch.setattr(
        pd, "read_parquet", lambda *a, **k: read_columns.append(k["columns"]) or read_parquet(*a, **k)
    )
    values, names = read_table(tmp_path / "indexed.parquet", columns_selector(["b"]))
    assert names == ["b"] and read_columns == [["b"]]
    np.testing.assert_array_equal(values, [[3], [4]])
    with pytest.raises(CLIError, match=r"'notes' \(\w+\) are not numeric"):
        read_table(tmp_path / "indexed.parquet")
    frame.drop(columns="notes").to_parquet(tmp_path / "numbers.parquet")
    assert read_table(tmp_path / "numbers.parquet")[1] == ["a", "b"]  # the stored index is no column
    np.testing.assert_array_equal(
        read_table(tmp_path / "indexed.parquet", columns_selector(["a", "b"]))[0], [[1, 3], [2, 4]]
    )


def test_parquet_with_missing_values(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"a": [1.0, None, 3.0], "b": pd.array([1, None, None], dtype="Int64"), "c": [True, None, False]}
    )
    frame.astype({"c": "boolean"}).to_parquet(tmp_path / "na.pq")
    values, _ = read_table(tmp_path / "na.pq")
    np.testing.assert_array_equal(values, [[1, 1, 1], [np.nan] * 3, [3, np.nan, 0]])
    with pytest.raises(
        CLIError, match=r"'a', 'b', 'c' have missing \(empty or NaN\) values \(first in data row 2\); codes!"
    ):
        read_table(tmp_path / "na.pq", complete="codes!")
    pd.DataFrame({"a": [None, None]}, dtype="Float64").to_parquet(tmp_path / "empty.pq")
    with pytest.raises(CLIError, match=r"every value of the 1 column\(s\) used is missing"):
        read_table(tmp_path / "empty.pq")
    pd.DataFrame({"a": [1.0, -np.inf]}).to_parquet(tmp_path / "inf.pq")
    with pytest.raises(CLIError, match=r"'a' have infinite values \(first in data row 2\); "):
        read_table(tmp_path / "inf.pq")


def test_an_all_null_parquet_column_is_missing_not_text(tmp_path):
    """pandas writes a column of None as Arrow's null type, read back as object."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pd.DataFrame({"a": [1.0, 2.0], "b": [None, None]}).to_parquet(tmp_path / "null.parquet")
    values, names = read_table(tmp_path / "null.parquet")
    assert names == ["a", "b"]
    np.testing.assert_array_equal(values, [[1, np.nan], [2, np.nan]])


def test_parquet_booleans_with_nulls_and_decimals_are_numbers(tmp_path):
    """Arrow numbers that reach pandas as objects: booleans with a null, and decimals."""
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    import decimal

    import pyarrow.parquet as pq

    table = pa.table(
        {
            "flag": pa.array([True, None, False]),
            "price": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3.50")], pa.decimal128(5, 2)),
        }
    )
    pq.write_table(table, tmp_path / "types.parquet")
    values, names = read_table(tmp_path / "types.parquet")
    assert names == ["flag", "price"]
    np.testing.assert_array_equal(values, [[1, 1.25], [np.nan, np.nan], [0, -3.5]])


def test_parquet_nulls_written_by_polars(tmp_path):
    pl = pytest.importorskip("polars")
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pl.DataFrame({"a": [1, None], "b": [None, 2.5]}).write_parquet(tmp_path / "nulls.parquet")
    values, names = read_table(tmp_path / "nulls.parquet")
    assert names == ["a", "b"]
    np.testing.assert_array_equal(values, [[1, np.nan], [np.nan, 2.5]])


# ------------------------------------------------------------------- columns


def test_columns_by_name_in_the_order_asked(tmp_path):
    path = write(tmp_path / "data.csv", "a,b,c\n1,2,3\n4,5.5,-6\n7,8,9e10\n")
    values, names = read_table(path, columns_selector(["c", "a"]))
    assert names == ["c", "a"]
    np.testing.assert_array_equal(values, X[:, [2, 0]])
    with pytest.raises(CLIError, match=r"has no column\(s\) 'z'; its columns are 'a', 'b', 'c'"):
        read_table(path, columns_selector(["a", "z"]))


def test_model_selector_reads_the_model_columns_in_its_order(tmp_path):
    path = write(tmp_path / "data.csv", "c,a,b\n3,1,2\n")
    values, names = read_table(path, model_selector(["a", "b", "c"], 3, None))
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(values, [[1, 2, 3]])
    with pytest.raises(CLIError, match=r"lacks column\(s\) the model was trained on: 'd'"):
        read_table(path, model_selector(["a", "b", "d"], 3, None))
    with pytest.raises(CLIError, match=r"has column\(s\) the model was not trained on: 'c'.*--columns"):
        read_table(path, model_selector(["a", "b"], 2, None))
    values, _ = read_table(path, model_selector(["a", "b"], 2, ["b", "a"]))
    np.testing.assert_array_equal(values, [[1, 2]])


def test_names_match_without_the_spaces_around_them(tmp_path):
    """The command line strips a CSV header's names (``a, b``); pandas keeps them, so a
    model fitted in Python on ``pd.read_csv`` of that file, or a Parquet file of it,
    holds ``' b'``: neither matched, and no option helped."""
    path = write(tmp_path / "data.csv", "a, b, c\n1,2,3\n")
    values, names = read_table(path, model_selector(["c", " b", "a"], 3, None))
    assert names == ["c", "b", "a"]
    np.testing.assert_array_equal(values, [[3, 2, 1]])
    values, _ = read_table(path, model_selector([" b", "a"], 2, ["a", "b"]))
    np.testing.assert_array_equal(values, [[2, 1]])
    # The file's names as written where two differ only in spaces: no guessing
    assert columns_selector(["b"])(["b", " b"], "data.csv") == ["b"]
    # and one column of the file feeds one of the model's names at most
    with pytest.raises(CLIError, match=r"lacks column\(s\) the model was trained on: 'b '"):
        read_table(write(tmp_path / "one.csv", "b\n1\n3\n"), model_selector(["b", "b "], 2, None))
    with pytest.raises(CLIError, match=r"has no column\(s\) 'b'"):
        columns_selector(["b"])([" b", "b "], "data.csv")


def test_numeric_names_match_without_the_spaces_around_them(tmp_path):
    """A header of numbers (wavelengths) is taken as names when they are the model's; a
    model fitted on ``pd.read_csv`` of ``400.5 , 500.5`` holds ``'400.5 '``, and the file
    was refused as headerless."""
    path = write(tmp_path / "data.csv", "400.5 , 500.5\n1,2\n")
    values, names = read_table(path, model_selector(["400.5 ", " 500.5"], 2, None))
    assert names == ["400.5", "500.5"]
    np.testing.assert_array_equal(values, [[1, 2]])


def test_a_quoted_header_name_may_hold_a_line_break(tmp_path):
    """It was read as a one-name header, and the next line as a row of the wrong length."""
    path = write(tmp_path / "data.csv", '"a\nx",b,c\n1,2,3\n4,5,6\n')
    values, names = read_table(path)
    assert names == ["a\nx", "b", "c"]
    np.testing.assert_array_equal(values, [[1, 2, 3], [4, 5, 6]])
    # with a literal quote in an unquoted name before it (an odd count of quotes)
    values, names = read_table(write(tmp_path / "odd.csv", 'b"c,"a\nx",d\n1,2,3\n4,5,6\n'))
    assert names == ['b"c', "a\nx", "d"]
    np.testing.assert_array_equal(values, [[1, 2, 3], [4, 5, 6]])
    for rows in (1, 30_000):  # past csv's field size limit too (was its "field larger than" error)
        path = write(tmp_path / "open.csv", '"a,b,c\n' + "1,2,3\n" * rows)
        with pytest.raises(CLIError, match="a quoted name in the header row is never closed"):
            read_table(path)


def test_model_selector_without_names_counts_columns(tmp_path):
    path = write(tmp_path / "data.csv", "x,y,z\n1,2,3\n")
    values, names = read_table(path, model_selector(None, 3, None))
    assert names == ["x", "y", "z"]
    np.testing.assert_array_equal(values, [[1, 2, 3]])
    with pytest.raises(CLIError, match=r"expects 2 columns, but .* has 3 columns"):
        read_table(path, model_selector(None, 2, None))
    with pytest.raises(CLIError, match="has 1 selected columns"):
        read_table(path, model_selector(None, 2, ["y"]))


def test_names_text_counts_what_it_leaves_out():
    assert names_text(["a", 1]) == "'a', '1'"
    assert names_text(list("abcdefghij"), limit=3) == "'a', 'b', 'c', ... (7 more)"


# ------------------------------------------------------------------- writing


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet"])
def test_write_then_read_keeps_every_float(tmp_path, name):
    if name.endswith(".parquet"):
        pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
    values = np.random.default_rng(0).normal(size=(25, 3)) * 1e6
    write_table(tmp_path / name, values, ["u", "v", "w"])
    read, names = read_table(tmp_path / name)
    assert names == ["u", "v", "w"]
    np.testing.assert_array_equal(read, values)


def test_a_gzip_output_stores_its_own_name_not_the_temporary_one(tmp_path):
    """The gzip header names the file (gunzip -N restores it), not the hidden temporary."""
    write_table(tmp_path / "codes.csv.gz", np.ones((2, 2)), ["a", "b"])
    header = (tmp_path / "codes.csv.gz").read_bytes()
    assert header[3] & 0x08  # FNAME flag
    stored = header[10 : header.index(b"\0", 10)]
    assert stored == b"codes.csv"


def test_file_format_by_extension():
    assert file_format("x.CSV") == file_format("x.csv.gz") == "csv"
    assert file_format("x.parquet") == file_format("x.pq") == "parquet"
    with pytest.raises(CLIError, match=r"unsupported output file type \(.txt\)"):
        file_format("x.txt", "output")
    with pytest.raises(CLIError, match=r"- \(standard input or output\) is not supported"):
        file_format("-", "output")  # was "unsupported output file type (no extension)"
    with pytest.raises(CLIError, match=r"- \(standard input\) is not supported: give a data file"):
        read_table("-")  # was "no such file: -"


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    path = write(tmp_path / "codes.csv", "the previous codes\n")
    values = np.zeros((10_001, 2), dtype=object)
    values[-1, 0] = "not a number"  # fails after the first 10,000 rows are written
    with pytest.raises(ValueError):
        write_table(path, values, ["u", "v"])
    assert path.read_text() == "the previous codes\n"
    assert [p.name for p in tmp_path.iterdir()] == ["codes.csv"]
