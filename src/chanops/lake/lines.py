"""An extract on the cluster's storage as numbered rows of text fields, read by Spark.

Every physical line keeps its number, so a quarantined row points at the line an analyst
opens in an editor — as the DuckDB loader's do. Spark's text reader keeps empty lines but
reads only UTF-8; its CSV reader decodes GB18030 but drops empty lines. So a GB18030 file is
read by both: the text reader numbers the lines, the CSV reader (one column, no quoting)
decodes them, and the k-th non-empty line of a split is the k-th decoded one of that split.
Lines are numbered without Python touching a row: each split (`input_file_block_start`)
counts its lines, and a line's number is the lines of the splits before it plus its
position in its own.

Fields are parsed per line with `from_csv`: each physical line is one record, as in the
DuckDB loader's line-by-line reading. A line with an odd number of quotes is refused as an
unterminated or stray quote (a quoted line break inside a field is refused the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chanops.errors import InputFileError, UsageError
from chanops.ingest.text import SNIFF_BYTES, detect_encoding, find_header
from chanops.sql import lit

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz")
# Java's String.trim, which Spark's CSV reader applies to tell an empty line
BLANK = "'^[\\\\x00-\\\\x20]*$'"
UNSET = "\u0001"  # a field value no extract holds: from_csv's "null" marker, so '' stays ''


@dataclass
class Fields:
    """The extract as a temp view `view` with columns _line, c0..cN, _fault, _text."""

    view: str
    headers: list[str]
    encoding: str
    first_line: int
    preamble: list[str] = field(default_factory=list)
    blank_lines: int = 0


def extract_format(url: str) -> str:
    name = url.lower()
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".xlsx"):
        raise UsageError(f"{url}: XLSX loads with the DuckDB loader; save it as CSV to load it with Spark")
    raise InputFileError(f"{url}: unsupported file type; use .csv/.txt/.tsv (optionally .gz) or .parquet")


def _tagged(frame):
    """Each row with its split (`_block`, its byte offset) and an id rising in file order."""
    from pyspark.sql import functions as F

    return frame.withColumn("_block", F.expr("input_file_block_start()")).withColumn(
        "_id", F.monotonically_increasing_id()
    )


def _block_starts(tagged, rows_before: bool):
    """Per split: `_shift`, which turns an `_id` into a 1-based position — counted from the
    file's first row (`rows_before`) or from the split's own."""
    from pyspark.sql import functions as F

    blocks = sorted(tagged.groupBy("_block").agg(F.count("*"), F.min("_id")).collect())
    before, rows = 0, []
    for block, count, first in blocks:
        rows.append((block, (before if rows_before else 0) - first + 1))
        before += count
    return F.broadcast(tagged.sparkSession.createDataFrame(rows or [(0, 0)], "_block BIGINT, _shift BIGINT"))


def _numbered(frame, column: str = "_line"):
    """`frame` (one file, in file order) with its rows numbered 1.. across splits."""
    from pyspark.sql import functions as F

    tagged = _tagged(frame)
    shifts = _block_starts(tagged, rows_before=True)
    return (
        tagged.join(shifts, "_block").withColumn(column, F.col("_id") + F.col("_shift")).drop("_block", "_id", "_shift")
    )


def _decoded_lines(spark, url: str, encoding: str):
    """(_line, _text, _blank) for every physical line of a text file."""
    from pyspark.sql import functions as F

    text = spark.read.text(url)
    if encoding == "utf-8":
        lines = _numbered(text).withColumnRenamed("value", "_text")
        return lines.withColumn("_blank", F.expr(f"_text RLIKE {BLANK}"))
    # Both readers split the file at the same offsets: within a split, the k-th decoded line
    # is the k-th non-empty physical one.
    physical = _tagged(text).withColumn("_blank", F.expr(f"value RLIKE {BLANK}")).drop("value")
    physical = physical.join(_block_starts(physical, rows_before=True), "_block").withColumn(
        "_line", F.col("_id") + F.col("_shift")
    )
    in_split = F.expr("sum(CASE WHEN _blank THEN 0 ELSE 1 END) OVER (PARTITION BY _block ORDER BY _id)")
    physical = physical.withColumn("_k", in_split).select("_block", "_k", "_line", "_blank")
    decoded = _tagged(
        spark.read.option("encoding", encoding)
        .option("sep", UNSET)
        .option("quote", "\u0000")
        .option("ignoreLeadingWhiteSpace", "false")
        .option("ignoreTrailingWhiteSpace", "false")
        .option("nullValue", UNSET)
        .schema("_text STRING")
        .csv(url)
    )
    decoded = decoded.join(_block_starts(decoded, rows_before=False), "_block").select(
        "_block", (F.col("_id") + F.col("_shift")).alias("_k"), "_text"
    )
    non_blank = physical.filter("NOT _blank").join(decoded, ["_block", "_k"]).select("_line", "_text", "_blank")
    blanks = physical.filter("_blank").select("_line", F.lit("").alias("_text"), "_blank")
    return non_blank.unionByName(blanks)


def open_text(spark, fs, url: str, requested: str, fits, tag: str) -> Fields:
    """Find encoding, header and delimiter from the head (as the DuckDB loader does), then
    register the numbered, parsed data lines as a view."""
    from pyspark.sql import functions as F

    head = fs.read_head(url, SNIFF_BYTES)
    if not head.strip():
        raise InputFileError(f"{url}: file is empty")
    encoding = detect_encoding(head, requested, url)
    if encoding == "utf-16":
        raise UsageError(f"{url}: UTF-16 extracts load with the DuckDB loader; convert to UTF-8 for Spark")
    header_line, delimiter, headers, preamble = find_header(head, encoding, url, fits)
    lines = _decoded_lines(spark, url, encoding).filter(F.col("_line") > header_line)
    width = len(headers)
    schema = ", ".join(f"c{i} STRING" for i in range(width))
    options = (
        f"map('sep', {lit(delimiter)}, 'quote', '\"', 'escape', '\"', 'nullValue', {lit(UNSET)}, "
        "'ignoreLeadingWhiteSpace', 'false', 'ignoreTrailingWhiteSpace', 'false', 'mode', 'PERMISSIVE')"
    )
    unquoted = 'regexp_replace(_text, \'"([^"]|"")*"\', \'\')'
    fields = f"(length({unquoted}) - length(replace({unquoted}, {lit(delimiter)}, '')) + 1)"
    # a line that is no record, named as DuckDB's CSV reader names it (reject_codes.TEXT_ERRORS)
    fault = (
        "CASE WHEN (length(_text) - length(replace(_text, '\"', ''))) % 2 = 1 THEN 'UNQUOTED VALUE' "
        f"WHEN {fields} > {width} THEN 'TOO MANY COLUMNS' "
        f"WHEN {fields} < {width} THEN 'MISSING COLUMNS' "
        + ("WHEN instr(_text, '\ufffd') > 0 THEN 'INVALID ENCODING' " if encoding == "utf-8" else "")
        + "END"
    )
    data = lines.filter("NOT _blank")
    blank_lines = lines.filter("_blank").count()
    parsed = data.select(
        "_line",
        "_text",
        F.expr(f"from_csv(_text, {lit(schema)}, {options})").alias("_f"),
        F.expr(fault).alias("_fault"),
    ).select("_line", *[F.col(f"_f.c{i}").alias(f"c{i}") for i in range(width)], "_fault", "_text")
    view = f"_fields_{tag}"
    parsed.createOrReplaceTempView(view)
    return Fields(view, headers, encoding, header_line + 1, preamble, int(blank_lines))


def open_parquet(spark, url: str, tag: str) -> Fields:
    """A Parquet extract: every column as text, rows numbered from 1 in file order."""
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as F

    try:
        frame = spark.read.parquet(url)
    except PySparkException as exc:
        raise InputFileError(f"{url}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    headers = list(frame.columns)
    texts = frame.select(*[F.col(f"`{h}`").cast("string").alias(f"c{i}") for i, h in enumerate(headers)])
    numbered = _numbered(texts).select(
        "_line",
        *[f"c{i}" for i in range(len(headers))],
        F.lit(None).cast("string").alias("_fault"),
        F.lit("").alias("_text"),
    )
    view = f"_fields_{tag}"
    numbered.createOrReplaceTempView(view)
    return Fields(view, headers, "parquet", 1)
