"""Read the ``[perfaudit]`` configuration and the scan flags into one frozen :class:`ScanConfig`.

Sources, lowest precedence first: built-in defaults, the ``[perfaudit]`` section of
``setup.cfg`` or the ``[tool.perfaudit]`` table of ``pyproject.toml`` in the project root, the
``DJANGO_SETTINGS_MODULE`` environment variable (for ``settings`` only), then command-line flags.
The settings module has no built-in default: one of those must name the project to audit.
No Django import here: a broken configuration must be reported before Django is touched.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from perfaudit.config.ignore import IgnoreRule, parse_ignore_rules
from perfaudit.errors import ConfigError

DEFAULT_SCALES = (10, 100, 1000)
FINDING_KINDS = ("n_plus_one", "duplicate", "unused_eager_load")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
SCENARIO_OPTIONS = ("naive", "user", "max_queries", "expect")
# Keys the file may hold; bench reads the ones scan ignores (scales, max_queries per scenario).
KNOWN_KEYS = (
    "settings",
    "pythonpath",
    "setup",
    "fixtures",
    "scales",
    "scan_scale",
    "threshold",
    "scenarios",
    "fail_on",
    "eager_loads",
    "requests",
    "login",
    "ignore",
)
CALLABLE_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class Scenario:
    """One request to replay; ``naive_path`` names its naive twin when it has one."""

    name: str
    method: str
    path: str
    naive_path: str | None = None
    user: str | None = None
    max_queries: int | None = None
    expect: int | None = None  # the status both twins must answer (scan)


@dataclass(frozen=True)
class ScanOptions:
    """The scan flags as given on the command line; ``None`` or empty means "not given"."""

    settings: str | None = None
    pythonpath: tuple[str, ...] = ()
    setup: str | None = None
    fixtures: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    user: str | None = None
    threshold: int | None = None
    scale: int | None = None
    json_path: str | None = None
    show_params: bool = False
    fail_on: str | None = None
    include_admin: bool = False
    eager_loads: bool | None = None
    requests: str | None = None
    login: str | None = None
    baseline: str | None = None
    update_baseline: bool = False


@dataclass(frozen=True)
class ScanConfig:
    """Everything a scan needs, validated."""

    root: Path
    settings: str
    pythonpath: tuple[str, ...] = ()
    setup: str | None = None
    fixtures: tuple[str, ...] = ()
    scale: int = 100
    scales: tuple[int, ...] = DEFAULT_SCALES
    threshold: int = 2
    scenarios: tuple[Scenario, ...] = ()
    urls: tuple[str, ...] = ()
    user: str | None = None
    include_admin: bool = False
    json_path: str | None = None
    show_params: bool = False
    fail_on: tuple[str, ...] = ()
    eager_loads: bool = False  # best-effort unused_eager_load detection (slower)
    source: str = "defaults"  # where the file configuration came from, for messages
    requests: str | None = None  # the requests file (perfaudit.replay.requests_file)
    login: str | None = None  # the --login MOD:FUNC hook (perfaudit.replay.login)
    ignore: tuple[IgnoreRule, ...] = ()  # the file's `ignore` rules (perfaudit.suppress.rules)
    baseline: str | None = None  # --baseline FILE
    update_baseline: bool = False


def read_config_file(root: Path) -> tuple[str, dict[str, object]]:
    """The raw perfaudit section of ``root`` and a label naming it (``"setup.cfg [perfaudit]"``)."""
    found: list[tuple[str, dict[str, object]]] = []
    cfg_path = root / "setup.cfg"
    if cfg_path.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(cfg_path, encoding="utf-8")
        except configparser.Error as exc:
            raise ConfigError(f"{cfg_path.name} cannot be parsed: {exc}".splitlines()[0]) from None
        except UnicodeDecodeError as exc:
            raise ConfigError(_not_utf8("setup.cfg", exc)) from None
        if parser.has_section("perfaudit"):
            found.append(("setup.cfg [perfaudit]", dict(parser.items("perfaudit"))))
    toml_path = root / "pyproject.toml"
    if toml_path.is_file():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"pyproject.toml cannot be parsed: {exc}.") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(_not_utf8("pyproject.toml", exc)) from None
        table = data.get("tool", {}).get("perfaudit")
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError("pyproject.toml [tool.perfaudit] must be a table.")
            found.append(("pyproject.toml [tool.perfaudit]", table))
    if len(found) > 1:
        raise ConfigError(
            "perfaudit is configured in both setup.cfg [perfaudit] and pyproject.toml "
            "[tool.perfaudit]; keep one of them."
        )
    return found[0] if found else ("defaults", {})


def _not_utf8(name: str, exc: UnicodeDecodeError) -> str:
    return (
        f"{name} is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}); "
        "save it as UTF-8."
    )


def ascii_integer(text: str) -> int | None:
    """``text`` as a non-negative integer when it is ASCII digits (at most 18), else None.

    Not ``str.isdigit()``: it accepts "²" and "①", which ``int()`` then rejects with a
    traceback; and not unbounded, since ``int()`` refuses more than 4300 digits.
    """
    text = text.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def load_scan_config(
    root: Path, options: ScanOptions, environ: Mapping[str, str] | None = None
) -> ScanConfig:
    """Merge the file configuration of ``root``, the environment and ``options``; validate."""
    source, raw = read_config_file(root)
    unknown = sorted(set(raw) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key {unknown[0]!r}; known keys are {', '.join(KNOWN_KEYS)}."
        )
    values = _FileValues(source, raw)
    file_settings = values.text("settings")
    env_settings = (environ or {}).get("DJANGO_SETTINGS_MODULE", "").strip() or None
    settings = options.settings or env_settings or file_settings
    if settings is not None and not re.fullmatch(r"[A-Za-z_][\w.]*", settings):
        raise ConfigError(f"settings: {settings!r} is not a Python module path.")
    # The file describes the project its `settings` names: its setup callable and scenarios
    # would be nonsense against another project's URLconf and models.
    describes_project = file_settings is None or file_settings == settings
    setup = options.setup or (values.text("setup") if describes_project else None)
    if setup is not None and not CALLABLE_RE.match(setup):
        raise ConfigError(f"setup: expected MODULE:FUNCTION, got {setup!r}.")
    fixtures = options.fixtures or (values.words("fixtures") if describes_project else ())
    scenarios = values.scenarios() if describes_project else ()
    threshold = (
        options.threshold if options.threshold is not None else values.integer("threshold", 2)
    )
    if threshold < 2:
        raise ConfigError(f"threshold: must be at least 2, got {threshold}.")
    scale = options.scale if options.scale is not None else values.integer("scan_scale", 100)
    if scale < 1:
        raise ConfigError(f"scan_scale: must be a positive integer, got {scale}.")
    fail_on = parse_fail_on(options.fail_on) if options.fail_on else values.fail_on()
    requests = options.requests or (values.text("requests") if describes_project else None)
    login = options.login or (values.text("login") if describes_project else None)
    if login is not None and not CALLABLE_RE.match(login):
        raise ConfigError(f"login: expected MODULE:FUNCTION, got {login!r}.")
    ignore = values.ignore_rules()
    if options.update_baseline and options.baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE to know which file to write.")
    for url in options.urls:
        if not url.startswith("/"):
            raise ConfigError(f"--url: {url!r} must be a path starting with '/'.")
        try:
            url.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes on the command line (surrogateescape)
            raise ConfigError(f"--url: {url!r} is not valid UTF-8.") from None
    pythonpath = options.pythonpath or values.words("pythonpath")
    scales = values.scales()
    eager_loads = (
        options.eager_loads
        if options.eager_loads is not None
        else values.boolean("eager_loads", False)
    )
    if settings is None:
        # Only the user chooses the project (checked last, so that a bad file is reported
        # first): a default project would be scanned, and pass, in place of theirs.
        raise ConfigError(
            "No Django project to audit: pass --settings MODULE, set DJANGO_SETTINGS_MODULE, or "
            "name it in setup.cfg [perfaudit] or pyproject.toml [tool.perfaudit] (settings = ...)."
        )
    return ScanConfig(
        root=root,
        settings=settings,
        pythonpath=pythonpath,
        setup=setup,
        fixtures=fixtures,
        scale=scale,
        scales=scales,
        threshold=threshold,
        scenarios=scenarios,
        urls=options.urls,
        user=options.user,
        include_admin=options.include_admin,
        json_path=options.json_path,
        show_params=options.show_params,
        fail_on=fail_on,
        eager_loads=eager_loads,
        source=source,
        requests=requests,
        login=login,
        ignore=ignore if describes_project else (),
        baseline=options.baseline,
        update_baseline=options.update_baseline,
    )


def parse_fail_on(text: str, key: str = "--fail-on") -> tuple[str, ...]:
    """``"n_plus_one,duplicate"`` into a tuple of finding kinds, each checked."""
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    for kind in kinds:
        if kind not in FINDING_KINDS:
            raise ConfigError(
                f"{key}: unknown finding kind {kind!r}; choose from {', '.join(FINDING_KINDS)}."
            )
    return kinds


def parse_scales(value: object, key: str) -> tuple[int, ...]:
    """Data sizes, from the ``--scales`` flag or the file's ``scales``: distinct, increasing.

    ``"10,100,1000"`` (commas or spaces; setup.cfg may spread it over lines) or, from
    pyproject.toml, a list such as ``[10, 100, 1000]``. The sizes are sorted whatever order
    they are written in: the report's growth fit and its columns read them smallest first. A
    size given twice is an error, not silently merged, as it is most likely a typo for another
    size. ``key`` names the source in the one-line error (``--scales`` or
    ``setup.cfg [perfaudit]: scales``).
    """
    if isinstance(value, list):
        items: list[object] = list(value)
    else:
        items = [*str(value).replace(",", " ").split()]
    if not items:
        raise ConfigError(
            f"{key}: no size given; expected positive integers separated by commas, "
            "such as 10,100,1000."
        )
    sizes: list[int] = []
    for item in items:
        word = str(item) if isinstance(item, int) and not isinstance(item, bool) else item
        # ASCII digits only: str.isdigit() also accepts "²", which int() then rejects.
        if not isinstance(word, str) or not re.fullmatch(r"[0-9]+", word) or int(word) < 1:
            raise ConfigError(f"{key}: {item!r} is not a positive integer (got {value!r}).")
        if int(word) in sizes:
            raise ConfigError(f"{key}: {value!r} names the size {int(word)} twice.")
        sizes.append(int(word))
    return tuple(sorted(sizes))


def parse_scenario(line: str, key: str = "scenarios") -> Scenario:
    """``NAME METHOD PATH [naive=PATH] [user=USERNAME] [max_queries=N] [expect=STATUS]`` into a
    Scenario."""
    words = line.split()
    if len(words) < 3:
        raise ConfigError(f"{key}: {line.strip()!r} needs at least NAME METHOD PATH.")
    name, method, path, *rest = words
    if method.upper() not in HTTP_METHODS:
        raise ConfigError(f"{key}: scenario {name!r} has unknown method {method!r}.")
    options: dict[str, str] = {}
    for word in rest:
        option, sep, value = word.partition("=")
        if not sep or option not in SCENARIO_OPTIONS or not value:
            raise ConfigError(
                f"{key}: scenario {name!r} has {word!r}; expected one of "
                f"{', '.join(o + '=...' for o in SCENARIO_OPTIONS)}."
            )
        options[option] = value
    for option_path in (path, options.get("naive")):
        if option_path is not None and not option_path.startswith("/"):
            raise ConfigError(f"{key}: scenario {name!r} path {option_path!r} must start with '/'.")
    max_queries = options.get("max_queries")
    budget = None if max_queries is None else ascii_integer(max_queries)
    if max_queries is not None and budget is None:
        raise ConfigError(f"{key}: scenario {name!r} max_queries must be an integer.")
    expect = options.get("expect")
    if expect is not None and not re.fullmatch(r"[1-5][0-9][0-9]", expect):
        raise ConfigError(f"{key}: scenario {name!r} expect must be an HTTP status (100-599).")
    return Scenario(
        name=name,
        method=method.upper(),
        path=path,
        naive_path=options.get("naive"),
        user=options.get("user"),
        max_queries=budget,
        expect=int(expect) if expect is not None else None,
    )


class _FileValues:
    """Typed access to the raw file section; every error names the source and the key."""

    def __init__(self, source: str, raw: Mapping[str, object]) -> None:
        self.source = source
        self.raw = raw

    def error(self, key: str, expected: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: expected {expected}, got {self.raw[key]!r}.")

    def text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "a non-empty string")
        return value.strip()

    def lines(self, key: str) -> tuple[str, ...]:
        """A multi-line string (setup.cfg) or a list of strings (pyproject.toml)."""
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items = value.splitlines()
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = value
        else:
            raise self.error(key, "a string or a list of strings")
        # setup.cfg allows comment lines inside a multi-line value.
        return tuple(i.strip() for i in items if i.strip() and not i.strip().startswith("#"))

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(w for line in self.lines(key) for w in line.replace(",", " ").split())

    def integer(self, key: str, default: int) -> int:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            raise self.error(key, "an integer")
        if isinstance(value, int):
            return value
        number = ascii_integer(value) if isinstance(value, str) else None
        if number is None:
            raise self.error(key, "an integer")
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in ("true", "yes", "on", "1"):
            return True
        if word in ("false", "no", "off", "0"):
            return False
        raise self.error(key, "true or false")

    def scales(self) -> tuple[int, ...]:
        value = self.raw.get("scales")
        return DEFAULT_SCALES if value is None else parse_scales(value, f"{self.source}: scales")

    def fail_on(self) -> tuple[str, ...]:
        words = self.words("fail_on")
        return parse_fail_on(",".join(words), f"{self.source}: fail_on") if words else ()

    def ignore_rules(self) -> tuple[IgnoreRule, ...]:
        return parse_ignore_rules(
            self.lines("ignore"), key=f"{self.source}: ignore", kinds=FINDING_KINDS
        )

    def scenarios(self) -> tuple[Scenario, ...]:
        key = f"{self.source}: scenarios"
        scenarios = tuple(parse_scenario(line, key) for line in self.lines("scenarios"))
        names = [s.name for s in scenarios]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(f"{key}: scenario name {name!r} is used twice.")
        return scenarios
