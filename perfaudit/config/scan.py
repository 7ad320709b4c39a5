"""Merge the ``[perfaudit]`` configuration and the scan flags into one frozen :class:`ScanConfig`.

Sources, lowest precedence first: built-in defaults, the ``[perfaudit]`` section of
``setup.cfg`` or the ``[tool.perfaudit]`` table of ``pyproject.toml`` in the project root
(:mod:`perfaudit.config.files`), the ``DJANGO_SETTINGS_MODULE`` environment variable (for
``settings`` only), then command-line flags. The settings module has no built-in default: one
of those must name the project to audit. No Django import here: a broken configuration must be
reported before Django is touched.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from perfaudit.config.files import NO_FILE, check_known_keys, read_config_file
from perfaudit.config.ignore import IgnoreRule
from perfaudit.config.scenarios import Scenario, parse_scenarios
from perfaudit.config.values import DEFAULT_SCALES, SectionValues, parse_fail_on
from perfaudit.errors import ConfigError
from perfaudit.records import DEFAULT_THRESHOLD, MIN_THRESHOLD

DEFAULT_SCAN_SCALE = 100
CALLABLE_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
NO_PROJECT = (
    "No Django project to audit: pass --settings MODULE, set DJANGO_SETTINGS_MODULE, or "
    "name it in setup.cfg [perfaudit] or pyproject.toml [tool.perfaudit] (settings = ...)."
)


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
    scale: int = DEFAULT_SCAN_SCALE
    scales: tuple[int, ...] = DEFAULT_SCALES
    threshold: int = DEFAULT_THRESHOLD
    scenarios: tuple[Scenario, ...] = ()
    urls: tuple[str, ...] = ()
    user: str | None = None
    include_admin: bool = False
    json_path: str | None = None
    show_params: bool = False
    fail_on: tuple[str, ...] = ()
    eager_loads: bool = False  # best-effort unused_eager_load detection (slower)
    source: str = NO_FILE  # where the file configuration came from, for messages
    requests: str | None = None  # the requests file (perfaudit.replay.requests_file)
    login: str | None = None  # the --login MOD:FUNC hook (perfaudit.replay.login)
    ignore: tuple[IgnoreRule, ...] = ()  # the file's `ignore` rules (perfaudit.suppress.rules)
    baseline: str | None = None  # --baseline FILE
    update_baseline: bool = False


def load_scan_config(
    root: Path, options: ScanOptions, environ: Mapping[str, str] | None = None
) -> ScanConfig:
    """Merge the file configuration of ``root``, the environment and ``options``; validate."""
    source, raw = read_config_file(root)
    check_known_keys(source, raw)
    values = SectionValues(source, raw)
    file_settings = values.text("settings")
    env_settings = (environ or {}).get("DJANGO_SETTINGS_MODULE", "").strip() or None
    settings = options.settings or env_settings or file_settings
    if settings is not None and not re.fullmatch(r"[A-Za-z_][\w.]*", settings):
        raise ConfigError(f"settings: {settings!r} is not a Python module path.")
    # The file describes the project its `settings` names: its setup callable and scenarios
    # would be nonsense against another project's URLconf and models.
    describes_project = file_settings is None or file_settings == settings
    setup = options.setup or (values.text("setup") if describes_project else None)
    _check_callable("setup", setup)
    fixtures = options.fixtures or (values.words("fixtures") if describes_project else ())
    scenarios: tuple[Scenario, ...] = ()
    if describes_project:
        scenarios = parse_scenarios(values.lines("scenarios"), f"{source}: scenarios")
    threshold = options.threshold
    if threshold is None:
        threshold = values.integer("threshold", DEFAULT_THRESHOLD)
    if threshold < MIN_THRESHOLD:
        raise ConfigError(f"threshold: must be at least {MIN_THRESHOLD}, got {threshold}.")
    scale = options.scale
    if scale is None:
        scale = values.integer("scan_scale", DEFAULT_SCAN_SCALE)
    if scale < 1:
        raise ConfigError(f"scan_scale: must be a positive integer, got {scale}.")
    fail_on = parse_fail_on(options.fail_on) if options.fail_on else values.fail_on()
    requests = options.requests or (values.text("requests") if describes_project else None)
    login = options.login or (values.text("login") if describes_project else None)
    _check_callable("login", login)
    ignore = values.ignore_rules()
    if options.update_baseline and options.baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE to know which file to write.")
    for url in options.urls:
        _check_url(url, setup)
    pythonpath = options.pythonpath or values.words("pythonpath")
    scales = values.scales()
    eager_loads = options.eager_loads
    if eager_loads is None:
        eager_loads = values.boolean("eager_loads", False)
    if settings is None:
        # Only the user chooses the project (checked last, so that a bad file is reported
        # first): a default project would be scanned, and pass, in place of theirs.
        raise ConfigError(NO_PROJECT)
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


def _check_callable(key: str, value: str | None) -> None:
    if value is not None and not CALLABLE_RE.match(value):
        raise ConfigError(f"{key}: expected MODULE:FUNCTION, got {value!r}.")


def _check_url(url: str, setup: str | None) -> None:
    if not url.startswith("/"):
        raise ConfigError(f"--url: {url!r} must be a path starting with '/'.")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes on the command line (surrogateescape)
        raise ConfigError(f"--url: {url!r} is not valid UTF-8.") from None
    try:
        names = _url_placeholders(url)
    except ValueError as exc:
        raise ConfigError(
            f"--url: {url!r}: {exc}; write {{{{ or }}}} for a literal brace."
        ) from None
    if names and setup is None:  # said before Django: nothing could fill it
        raise ConfigError(
            f"--url: {url!r} has the placeholder {{{names[0]}}}, but no setup callable gives it a "
            "value: pass --setup MOD:FUNC (or set setup in the config), whose returned mapping "
            "fills {name} placeholders."
        )


def _url_placeholders(url: str) -> tuple[str, ...]:
    """The ``{name}`` placeholders of a ``--url`` path, filled from the setup callable's values as
    scenario paths are (``{{`` and ``}}`` are literal braces); ValueError on a lone brace."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(url) if name is not None)
