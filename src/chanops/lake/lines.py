"""An extract on the cluster's storage as numbered rows of text fields, read by Spark.

Every physical line keeps its number, so a quarantined row points at the line an analyst
opens in an editor — as the DuckDB loader's do. Spark's text reader keeps empty lines but
reads only UTF-8; its CSV reader decodes GB18030 but drops empty lines. So a GB18030 file is
read by both: the text reader numbers the lines, the CSV reader (one column, no quoting)
decodes them, and the k-th non-empty line of a split is the k-th decoded one of that split.
Lines are numbered without Python touching a row: each split (`input_file_block_start`)
counts its lines, and a line's number is the lines of the splits before it plus its
position in its own.

Each physical line is one record, its fields cut out by the DuckDB loader's line-by-line
grammar (ingest/linemode.py) — the same quote rules, so a line gives the same values on
both engines, and a stray quote costs its own line. A line the grammar does not cover is
rejected as an unterminated or stray quote (a quoted line break inside a field is two such
lines). Lines end at LF, CRLF or a lone CR, as the DuckDB loader counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chanops.errors import InputFileError, UsageError
from chanops.ingest.linemode import field_pattern, line_fault_sql, unquoted_sql
from chanops.ingest.text import SNIFF_BYTES, detect_encoding, find_header
from chanops.sql import lit

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz")
# Java's String.trim, which Spark's CSV reader applies to tell an empty line
BLANK = "'^[\\\\x00-\\\\x20]*$'"
UNSET = "\u0001"  # a character no extract holds: the decoding reader's separator and "null" marker


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
    data = lines.filter("NOT _blank")
    blank_lines = lines.filter("_blank").count()
    parsed = _fields(data, encoding, delimiter, len(headers))
    view = f"_fields_{tag}"
    parsed.createOrReplaceTempView(view)
    return Fields(view, headers, encoding, header_line + 1, preamble, int(blank_lines))


def _fields(lines, encoding: str, delimiter: str, width: int):
    """`lines` (_line, _text) with c0..c{width-1} and `_fault`: each line cut into fields by the
    line-by-line grammar. The line's pieces (each field with the delimiter after it) must
    tile it, or it is no record."""
    from pyspark.sql import functions as F

    field = field_pattern(delimiter, java=True)
    pieces = f"regexp_extract_all(concat(_text, {lit(delimiter)}), {lit(field)}, 0)"
    tiled = "(aggregate(_pieces, 0, (n, x) -> n + length(x)) = length(_text) + 1)"
    values = f"transform(_pieces, x -> {unquoted_sql('substr(x, 1, length(x) - 1)', delimiter)})"
    beyond = f"size(filter(slice(_values, {width + 1}, greatest(size(_values) - {width}, 0)), x -> x IS NOT NULL))"
    fault = line_fault_sql("_whole", "size(_values)", beyond, width)
    if encoding == "utf-8":  # bytes that were not UTF-8 arrive as U+FFFD
        fault = f"CASE WHEN instr(_text, '\ufffd') > 0 THEN 'INVALID ENCODING' ELSE {fault} END"
    cut = (
        lines.select("_line", "_text", F.expr(pieces).alias("_pieces"))
        .select("_line", "_text", F.expr(values).alias("_values"), F.expr(tiled).alias("_whole"))
        .select("_line", "_text", "_values", F.expr(fault).alias("_fault"))
    )
    return cut.select("_line", *[F.get("_values", i).alias(f"c{i}") for i in range(width)], "_fault", "_text")


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
