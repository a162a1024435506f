"""What every command shares: option types, the stderr console, and the one
place where library errors become a message and an exit code.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from chanops.errors import ChanopsError
from chanops.present.formats import FORMATS, OutputOptions
from chanops.schema import KINDS
from chanops.tasks.session import DEFAULT_WAIT

if TYPE_CHECKING:
    from chanops.config import Config

PROG = "chanops"

# members from the contract at run time: mypy reads only literal member lists, hence the ignores
KindName = Enum("KindName", {name: name for name in KINDS}, type=str)  # type: ignore[misc]
FormatName = Enum("FormatName", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (default: $CHANOPS_DB, else ./chanops.duckdb).", show_default=False),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="chanops.toml to use (default: ./chanops.toml if present).", show_default=False),
]
WaitOpt = Annotated[
    float, typer.Option("--wait", min=0, help="Seconds to wait while another process holds the warehouse.")
]
FormatOpt = Annotated[
    FormatName | None,
    typer.Option(
        "--format", "-f", help="Output format (default: table on a terminal, csv in a pipe).", show_default=False
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to FILE (atomically) instead of stdout; - is stdout.", show_default=False
    ),
]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Labels for tables and reports.")]
MonthOpt = Annotated[
    str | None, typer.Option("--month", help="Month YYYY-MM (default: latest with data).", show_default=False)
]
FromOpt = Annotated[str | None, typer.Option("--from", help="First month of a range.", show_default=False)]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last month of a range.", show_default=False)]
RegionOpt = Annotated[
    str | None, typer.Option("--region", help="Only these regions (盟市), comma-separated.", show_default=False)
]
ProductOpt = Annotated[
    str | None, typer.Option("--product", help="Only these products, comma-separated.", show_default=False)
]


StaffOpt = Annotated[
    str | None, typer.Option("--staff", help="Only these staff ids (工号), comma-separated.", show_default=False)
]


def slices_of(region: str | None, product: str | None = None, staff: str | None = None):
    """--region/--product/--staff as the library's Slices (chanops/slices.py)."""
    from chanops.slices import Slices

    return Slices(tuple(split_list(region)), tuple(split_list(product)), tuple(split_list(staff)))


UnmaskOpt = Annotated[
    bool, typer.Option("--unmask", help="Show full phone numbers in table/markdown/xlsx (masked by default).")
]


LimitOpt = Annotated[
    int | None,
    typer.Option(
        "--limit",
        min=0,
        help="Rows of a table or Markdown section (default 40 on a terminal; 0: all). CSV/JSON/Parquet are never cut.",
        show_default=False,
    ),
]
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel",
        help="CSV as Excel on Chinese Windows opens it (UTF-8 with BOM, CRLF, formula-like cells "
        "neutralized) also on stdout; -o FILE.csv always writes it.",
    ),
]


class Layout(StrEnum):
    long = "long"
    wide = "wide"


LayoutOpt = Annotated[
    Layout | None,
    typer.Option(
        "--layout",
        help="long: one row per KPI (or measure), the default for people (table, markdown, xlsx, -o FILE.csv, "
        "--excel); wide: one row per month and slice, a column per measure, the default for programs "
        "(csv on stdout, json, jsonl, parquet).",
        show_default=False,
    ),
]
PivotOpt = Annotated[
    str | None,
    typer.Option(
        "--pivot",
        metavar="DIM",
        help="Put a dimension of the rows (month, region, channel, product …) across the columns: "
        "--by region --pivot month gives a row per region and a column per month.",
        show_default=False,
    ),
]


def output_options(
    fmt: FormatName | None,
    output: Path | None,
    lang: Lang,
    unmask: bool = False,
    limit: int | None = None,
    excel: bool = False,
    layout: Layout | None = None,
    pivot: str | None = None,
) -> OutputOptions:
    return OutputOptions(
        format=fmt.value if fmt else None,
        output=output,
        lang=lang.value,
        unmask=unmask,
        limit=limit,
        excel=excel,
        layout=layout.value if layout else None,
        pivot=pivot.strip() if pivot else None,
    )


EngineOpt = Annotated[str, typer.Option("--engine", help="duckdb (the warehouse) or spark (over --source).")]
SourceOpt = Annotated[
    str | None,  # not Path: hdfs:///… must keep its slashes
    typer.Option(
        "--source",
        help="With --engine spark: the lake that load --engine spark or export wrote (a directory or a URL).",
        show_default=False,
    ),
]
SparkMasterOpt = Annotated[str, typer.Option("--spark-master", help="Spark master URL.")]
SparkConfOpt = Annotated[
    list[str] | None, typer.Option("--spark-conf", help="Spark setting key=value (repeatable).", show_default=False)
]


@dataclass
class Shared:
    """The options commands share, handed to a command decorated with @shared_options."""

    db: Path | None = None
    wait: float = DEFAULT_WAIT
    config_path: Path | None = None
    out: OutputOptions = field(default_factory=OutputOptions)  # defaults where a command takes no output flags
    engine: str = "duckdb"
    source: str | None = None
    spark_master: str = "local[2]"
    spark_conf: list[str] | None = None

    @property
    def session_options(self):
        from chanops.tasks.session import SessionOptions

        return SessionOptions(
            self.engine, self.db, self.wait, self.source, self.spark_master, tuple(self.spark_conf or ())
        )

    @contextmanager
    def query_engine(self, *, write: bool = False) -> Iterator[Any]:
        """The warehouse (read-only unless `write`) or, with --engine spark, Spark over --source."""
        from chanops.tasks.session import open_session

        with open_session(self.session_options, write=write) as session:
            yield session

    def check_output(self) -> None:
        """-o onto the warehouse, its WAL or a directory is refused before anything opens."""
        if self.out is not None and self.out.output is not None and not self.out.to_stdout:
            from chanops.tasks.session import check_output

            check_output(self.out.output, self.db)

    def run(self, name: str, request: Any, *, check: bool = False, **hooks: Any) -> Any:
        """Run the task `name` in a session opened as the task needs, render its result, and
        exit as the result says (3 when --check and an alert is listed). Returns the result."""
        from chanops.tasks import TASKS, run_task

        config = self.config  # a bad chanops.toml is a usage error before the warehouse is opened
        self.out.unmask_dispatch = config.dispatch.unmask
        self.out.regions = config.regions
        self.check_output()
        with self.query_engine(write=TASKS[name].writes and self.engine == "duckdb") as session:
            result = run_task(name, session, config, request, **hooks)
        render(result, self.out, check)
        return result

    @property
    def lang(self) -> str:
        return self.out.lang

    @functools.cached_property
    def config(self) -> Config:
        """chanops.toml (--config, else ./chanops.toml, else defaults), parsed and validated once."""
        from chanops.config import load_config

        return load_config(self.config_path)


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def shared_options(
    *, warehouse: bool = True, config: bool = True, output: bool = True, engines: bool = False
) -> Callable:
    """Give a command the shared options — --db/--wait, --config, --format/-o/--lang — defined
    once here, like sqlite-utils' output_options. The command declares `shared: Shared` and
    receives them in it; Typer sees them as ordinary options in --help. --config is accepted
    by every command, harmless where no setting applies, so one cron line can pass it to all."""
    extra = []
    if warehouse:
        extra += [_keyword("db", DbOpt, None), _keyword("wait", WaitOpt, DEFAULT_WAIT)]
    if config:
        extra.append(_keyword("config", ConfigOpt, None))
    if engines:
        extra += [
            _keyword("engine", EngineOpt, "duckdb"),
            _keyword("source", SourceOpt, None),
            _keyword("spark_master", SparkMasterOpt, "local[2]"),
            _keyword("spark_conf", SparkConfOpt, None),
        ]
    if output:
        extra += [
            _keyword("fmt", FormatOpt, None),
            _keyword("output", OutputOpt, None),
            _keyword("lang", LangOpt, Lang.zh),
            _keyword("unmask", UnmaskOpt, False),
            _keyword("limit", LimitOpt, None),
            _keyword("excel", ExcelOpt, False),
            _keyword("layout", LayoutOpt, None),
            _keyword("pivot", PivotOpt, None),
        ]

    def decorate(command: Callable) -> Callable:
        signature = inspect.signature(command, eval_str=True)  # real types: Typer reads them from here

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            shared = Shared(
                db=kwargs.pop("db", None),
                wait=kwargs.pop("wait", DEFAULT_WAIT),
                config_path=kwargs.pop("config", None),
                engine=kwargs.pop("engine", "duckdb"),
                source=kwargs.pop("source", None),
                spark_master=kwargs.pop("spark_master", "local[2]"),
                spark_conf=kwargs.pop("spark_conf", None),
                out=output_options(
                    kwargs.pop("fmt"),
                    kwargs.pop("output"),
                    kwargs.pop("lang"),
                    kwargs.pop("unmask"),
                    kwargs.pop("limit"),
                    kwargs.pop("excel"),
                    kwargs.pop("layout"),
                    kwargs.pop("pivot"),
                )
                if output
                else OutputOptions(),
            )
            return command(*args, shared=shared, **kwargs)

        own = [p for p in signature.parameters.values() if p.name != "shared"]
        # inspect.signature (and so Typer) reads __signature__; typeshed's wraps() type does not declare it
        wrapper.__signature__ = signature.replace(parameters=own + extra)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def render(result: Any, out: OutputOptions | None, check: bool = False) -> None:
    """A task's result for people and pipes: notes and messages on stderr, the sections in the
    chosen format, and with --check the alerts and exit code 3 when there are any."""
    from chanops.errors import CheckBreached

    for note in result.notes:
        notice(f"note: {note}")
    for line in result.messages:
        notice(line)
    if result.sections and out is not None:
        from chanops.present.output import emit

        emit(result.sections, out, notice=notice)
    if result.exit_code(check):
        for alert in result.alerts:
            notice(f"breach: {alert.line}")
        raise CheckBreached(result.breach_summary)


def split_list(text: str | None) -> list[str]:
    """'region, channel' -> ['region', 'channel'] for comma-separated options."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def notice(message: str) -> None:
    """A diagnostic line for people: always stderr, never stdout."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def fail(message: str, code: int) -> None:
    from chanops.errors import mask_phones

    notice(f"{PROG}: error: {mask_phones(message)}")  # messages echo input values: never a full number
    sys.exit(code)


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0].strip() if lines else ""


def debug_enabled(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("CHANOPS_DEBUG", "") not in ("", "0")


class ChanopsGroup(TyperGroup):
    """Turns every error into one line on stderr and the SPEC §9 exit code.

    Runs Typer in non-standalone mode so usage errors arrive here as exceptions
    instead of a multi-line panel; tracebacks only with --debug (or CHANOPS_DEBUG=1).
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click import exceptions as click_exc

        argv = list(sys.argv[1:] if args is None else args)
        debug = debug_enabled(argv)
        try:
            result = super().main(
                args=argv,
                prog_name=prog_name or PROG,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except ChanopsError as exc:
            if debug:
                traceback.print_exc()
            fail(str(exc), exc.exit_code)
        except click_exc.UsageError as exc:
            where = (
                f" (see {PROG} {exc.ctx.command_path.split(' ', 1)[1]} --help)"
                if exc.ctx and " " in exc.ctx.command_path
                else f" (see {PROG} --help)"
            )
            message = " ".join(exc.format_message().split())  # Click lists choices on several lines
            fail(f"{message}{where}", 2)
        except click_exc.ClickException as exc:
            fail(" ".join(exc.format_message().split()), exc.exit_code)
        except typer.Abort:
            fail("aborted", 130)
        except BrokenPipeError:
            # `chanops ... | head`: the reader left; that is not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:  # a bug: say so in one line, full trace with --debug
            if debug:
                traceback.print_exc()
            # one line: a library's message may go on with the values it choked on
            fail(f"internal error: {type(exc).__name__}: {first_line(exc)} (rerun with --debug for details)", 1)
        if isinstance(result, int) and not isinstance(result, bool):
            sys.exit(result)
        sys.exit(0)
