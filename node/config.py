"""The node's configuration: one frozen object loaded once from `<data>/node.toml`.

Every option has a named default; unknown options and bad values are refused at load with the
file, the option and the fix, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.errors import ConfigError

CONFIG_FILE = "node.toml"
DEFAULT_GOSSIP_INTERVAL_S = 30.0
MIN_GOSSIP_INTERVAL_S = 0.1
DEFAULT_FANOUT = 3
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 5000
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_REQUEST_SKEW_S = 60
DEFAULT_PEER_TIMEOUT_S = 10.0
# Defences of the peer socket against slow or idle connections (issue #10): far above what an
# honest peer needs, low enough that a flood of slow connections cannot exhaust the node's files.
DEFAULT_HEADER_TIMEOUT_S = 20.0  # above the 15 s aiohttp clients keep idle connections for reuse
DEFAULT_BODY_TIMEOUT_S = 60.0
DEFAULT_MAX_CONNECTIONS = 1000
DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64
MAX_TIMEOUT_S = 3600.0
DEFAULT_K_ANONYMITY = 10
MIN_K_ANONYMITY = 5
# scheduled backups (issue #17): off unless every_hours is set
DEFAULT_BACKUP_EVERY_HOURS = 0.0
MIN_BACKUP_EVERY_HOURS = 1 / 60
DEFAULT_BACKUP_KEEP = 7
MAX_BACKUP_KEEP = 1000
DEFAULT_BACKUP_FOLDER = "backups"
DEFAULT_LANG = "fr"
LANGS = ("fr", "en")
DEFAULT_INVITATION_DAYS = 7
DEFAULT_SESSION_IDLE_MINUTES = 30  # OWASP: 15-30 minutes for most applications
DEFAULT_SESSION_HOURS = 12


def parse_hostport(text: str, where: str) -> tuple[str, int]:
    host, sep, port = str(text).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{where}: '{text}' is not HOST:PORT (for example 127.0.0.1:8701)")
    return host.strip("[]"), int(port)


@dataclass(frozen=True, slots=True)
class NodeSection:
    name: str = ""
    listen: str = "127.0.0.1:8701"
    public_url: str = ""  # what peers are told to call; defaults to http://<listen>
    description: str = ""
    lang: str = DEFAULT_LANG  # the territory's language: pages, documents and mail default to it


@dataclass(frozen=True, slots=True)
class ApiSection:
    listen: str = "127.0.0.1:0"  # port 0: any free port, written to <data>/run/api.json at start
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
    # the admin API acts for the whole territory with one token: off loopback only when asked
    allow_non_loopback: bool = False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def control_char(text: str) -> str | None:
    """The first control character in `text` (a newline, a tab, DEL...), shown escaped, or None."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return repr(ch)
    return None


@dataclass(frozen=True, slots=True)
class FederationSection:
    network: str = ""  # path of the network file (genesis); empty: an open local network
    gossip_interval_s: float = DEFAULT_GOSSIP_INTERVAL_S
    fanout: int = DEFAULT_FANOUT
    page_size: int = DEFAULT_PAGE_SIZE
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    request_skew_s: int = DEFAULT_REQUEST_SKEW_S
    peer_timeout_s: float = DEFAULT_PEER_TIMEOUT_S
    # a peer connection with no request in progress (slow headers, idle keep-alive) is closed after this
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S  # a request body must arrive whole within this
    # open peer connections, in all and from one address; the total is also kept below the
    # process's open-file limit at start
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_connections_per_address: int = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS


@dataclass(frozen=True, slots=True)
class DasSection:
    k_anonymity: int = DEFAULT_K_ANONYMITY
    currency: str = "local"
    # cents of local currency credited per hour, by competence level (1 = basic ... 4 = expert)
    rate_cents_per_hour: tuple[int, ...] = (1000, 1200, 1500, 2000)


@dataclass(frozen=True, slots=True)
class BackupSection:
    every_hours: float = DEFAULT_BACKUP_EVERY_HOURS  # 0: no scheduled backups
    keep: int = DEFAULT_BACKUP_KEEP  # the newest backups kept in the folder, older ones removed
    folder: str = DEFAULT_BACKUP_FOLDER  # relative paths are inside the data folder
    passphrase_file: str = ""  # a 0600 file holding the passphrase on its first line


@dataclass(frozen=True, slots=True)
class WebSection:
    """The people's door: sign-in pages and the web interface (and /api/ for account tokens)."""

    listen: str = ""  # HOST:PORT; empty: the node serves no web pages and cannot invite anyone
    public_url: str = ""  # what invitations link to; defaults to http://<listen>. https: Secure cookies
    invitation_days: int = DEFAULT_INVITATION_DAYS
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    session_hours: int = DEFAULT_SESSION_HOURS
    allow_non_loopback: bool = True  # the web door is meant to be reached (through a reverse proxy)
    max_upload_mb: int = 1024  # a file sent to an upload page (an audit bundle): the largest bundle the audit reads
    # addresses of the reverse proxies whose X-Forwarded-For is believed (for sign-in throttling by
    # address); empty: forwarded headers are ignored, the connection's address counts
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MailSection:
    """Where invitations are sent by e-mail; no host: invitations are handed over by hand."""

    host: str = ""
    port: int = 25
    sender: str = ""  # the From: address
    starttls: bool = False
    username: str = ""
    password_file: str = ""  # a 0600 file holding the SMTP password on its first line
    timeout_s: float = 20.0


@dataclass(frozen=True, slots=True)
class NodeConfig:
    data_dir: Path
    node: NodeSection = field(default_factory=NodeSection)
    api: ApiSection = field(default_factory=ApiSection)
    federation: FederationSection = field(default_factory=FederationSection)
    das: DasSection = field(default_factory=DasSection)
    backup: BackupSection = field(default_factory=BackupSection)
    web: WebSection = field(default_factory=WebSection)
    mail: MailSection = field(default_factory=MailSection)

    @property
    def listen(self) -> tuple[str, int]:
        return parse_hostport(self.node.listen, "node.listen")

    @property
    def api_listen(self) -> tuple[str, int]:
        return parse_hostport(self.api.listen, "api.listen")

    @property
    def web_listen(self) -> tuple[str, int] | None:
        return parse_hostport(self.web.listen, "web.listen") if self.web.listen else None

    @property
    def web_url(self) -> str:
        """The address people are given (invitations, mail); empty when no web door is configured."""
        if not self.web.listen:
            return ""
        return (self.web.public_url or f"http://{self.web.listen}").rstrip("/")

    @property
    def public_url(self) -> str:
        return self.node.public_url or f"http://{self.node.listen}"

    @property
    def network_path(self) -> Path | None:
        if not self.federation.network:
            return None
        p = Path(self.federation.network)
        return p if p.is_absolute() else self.data_dir / p


    @property
    def backup_folder(self) -> Path:
        p = Path(self.backup.folder)
        return p if p.is_absolute() else self.data_dir / p

    @property
    def backup_passphrase_path(self) -> Path:
        p = Path(self.backup.passphrase_file)
        return p if p.is_absolute() else self.data_dir / p


_SECTIONS = {
    "node": NodeSection, "api": ApiSection, "federation": FederationSection, "das": DasSection, "backup": BackupSection,
    "web": WebSection, "mail": MailSection,
}


def _coerce(section: str, name: str, kind: Any, value: Any) -> Any:
    where = f"{section}.{name}"
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in (str, int, float, bool):
        if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            raise ConfigError(f"{where} must be a {kind.__name__}, got {type(value).__name__}")
        return value
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list")
        return tuple(value)
    return value


def _build(section: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{section}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"unknown option {section}.{unknown[0]}; known: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    return cls(**{k: _coerce(section, k, hints[k], v) for k, v in raw.items()})


def validate(cfg: NodeConfig) -> NodeConfig:
    _, peer_port = cfg.listen
    api_host, api_port = cfg.api_listen
    if not cfg.api.allow_non_loopback and not is_loopback(api_host):
        raise ConfigError(
            f"api.listen '{cfg.api.listen}' is not a loopback address: the admin API acts for the whole territory. "
            "Use 127.0.0.1:PORT (reach it through SSH or a reverse proxy), or set api.allow_non_loopback = true "
            "if you really mean it"
        )
    if api_port != 0 and api_port == peer_port:
        raise ConfigError(
            f"api.listen '{cfg.api.listen}' is the peer socket node.listen '{cfg.node.listen}': the admin API would be "
            "served on the public port. Give api.listen its own port (or 0 for any free port)"
        )
    for where, text in (("node.name", cfg.node.name), ("node.description", cfg.node.description)):
        bad = control_char(text)
        if bad:
            raise ConfigError(f"{where} holds a control character ({bad}): use one line of printable text")
    f = cfg.federation
    if f.gossip_interval_s < MIN_GOSSIP_INTERVAL_S:
        raise ConfigError(f"federation.gossip_interval_s must be at least {MIN_GOSSIP_INTERVAL_S}")
    if not 1 <= f.fanout <= 32:
        raise ConfigError("federation.fanout must be between 1 and 32")
    if not 1 <= f.page_size <= MAX_PAGE_SIZE:
        raise ConfigError(f"federation.page_size must be between 1 and {MAX_PAGE_SIZE}")
    if f.max_body_bytes < 64 * 1024:
        raise ConfigError("federation.max_body_bytes must be at least 65536")
    if not 1 <= f.request_skew_s <= 3600:
        raise ConfigError("federation.request_skew_s must be between 1 and 3600")
    for name in ("header_timeout_s", "body_timeout_s"):
        if not 0 < getattr(f, name) <= MAX_TIMEOUT_S:
            raise ConfigError(f"federation.{name} must be above 0 and at most {MAX_TIMEOUT_S:.0f} seconds")
    if f.max_connections < 1:
        raise ConfigError("federation.max_connections must be at least 1")
    if not 1 <= f.max_connections_per_address <= f.max_connections:
        raise ConfigError("federation.max_connections_per_address must be between 1 and federation.max_connections")
    if cfg.das.k_anonymity < MIN_K_ANONYMITY:
        raise ConfigError(f"das.k_anonymity can never be below {MIN_K_ANONYMITY}")
    if len(cfg.das.rate_cents_per_hour) != 4 or any(
        not isinstance(r, int) or isinstance(r, bool) or r < 0 for r in cfg.das.rate_cents_per_hour
    ):
        raise ConfigError("das.rate_cents_per_hour is four non-negative integers (levels 1 to 4)")
    if len(cfg.node.name) > 200:
        raise ConfigError("node.name is at most 200 characters")
    _validate_backup(cfg.backup)
    _validate_web(cfg)
    return cfg


def _validate_web(cfg: NodeConfig) -> None:
    if cfg.node.lang not in LANGS:
        raise ConfigError(f"node.lang '{cfg.node.lang[:20]}' is not one of {', '.join(LANGS)}")
    w = cfg.web
    if w.listen:
        host, port = parse_hostport(w.listen, "web.listen")
        if port == 0 and w.public_url:
            raise ConfigError("web.listen port 0 (any free port) cannot go with web.public_url: give the port")
        if port in (cfg.listen[1], cfg.api_listen[1]) and port != 0:
            raise ConfigError(f"web.listen '{w.listen}' shares a port with node.listen or api.listen: give it its own")
        if not w.allow_non_loopback and not is_loopback(host):
            raise ConfigError(f"web.listen '{w.listen}' is not a loopback address and web.allow_non_loopback is false")
    for proxy in w.trusted_proxies:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise ConfigError(f"web.trusted_proxies: '{proxy[:60]}' is not an IP address (name the proxy's address, e.g. 127.0.0.1)") from None
    if w.public_url and not w.public_url.startswith(("http://", "https://")):
        raise ConfigError("web.public_url starts with http:// or https://")
    if not 1 <= w.invitation_days <= 90:
        raise ConfigError("web.invitation_days must be between 1 and 90")
    if not 5 <= w.session_idle_minutes <= 24 * 60:
        raise ConfigError("web.session_idle_minutes must be between 5 and 1440")
    if not 1 <= w.session_hours <= 24 * 7:
        raise ConfigError("web.session_hours must be between 1 and 168")
    if not 1 <= w.max_upload_mb <= 1024:
        raise ConfigError("web.max_upload_mb must be between 1 and 1024")
    m = cfg.mail
    if m.host and not m.sender:
        raise ConfigError("mail.host is set but mail.sender is not: name the From: address of invitations")
    if not 1 <= m.port <= 65535:
        raise ConfigError("mail.port must be between 1 and 65535")


def _validate_backup(b: BackupSection) -> None:
    if b.every_hours != 0 and not MIN_BACKUP_EVERY_HOURS <= b.every_hours <= 24 * 366:
        raise ConfigError("backup.every_hours is 0 (no scheduled backups) or between 1/60 (a minute) and 8784 (a year)")
    if not 1 <= b.keep <= MAX_BACKUP_KEEP:
        raise ConfigError(f"backup.keep must be between 1 and {MAX_BACKUP_KEEP}")
    if not b.folder.strip():
        raise ConfigError('backup.folder is empty: name a folder (default "backups", inside the data folder)')
    if b.every_hours and not b.passphrase_file:
        raise ConfigError("backup.every_hours is set but backup.passphrase_file is not: name a 0600 file holding the passphrase")


def from_mapping(data_dir: Path, raw: dict[str, Any]) -> NodeConfig:
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}]; known: {', '.join(_SECTIONS)}")
    parts = {name: _build(name, cls, raw.get(name, {})) for name, cls in _SECTIONS.items()}
    return validate(NodeConfig(data_dir=data_dir, **parts))


def read_toml(path: Path, what: str, missing: str) -> dict[str, Any]:
    """A TOML file as a map, every failure a ConfigError naming the file (`missing`: the fix).
    The one TOML reader: the config, the network file and the review frameworks."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(missing) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None


def parse_toml(text: str, what: str) -> dict[str, Any]:
    """TOML text (not a file) as a map; a failure is a ConfigError naming `what`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} is not valid TOML: {exc}") from None


def load(data_dir: Path) -> NodeConfig:
    path = data_dir / CONFIG_FILE
    raw = read_toml(path, "config file", f"no node at {data_dir}: create one with `democite init --data {data_dir}`")
    try:
        return from_mapping(data_dir, raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}") from None


def default_data_dir() -> Path:
    env = os.environ.get("DEMOCITE_DATA")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "democite"


def render_toml(name: str, listen: str, network: str = "", public_url: str = "", web_listen: str = "") -> str:
    """The node.toml written by `democite init`: only the choices made, defaults left commented."""
    esc = name.replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        "# Démocité node configuration. Every option is documented in configs/node.toml.",
        "[node]",
        f'name = "{esc}"',
        f'listen = "{listen}"',
    ]
    if public_url:
        lines.append(f'public_url = "{public_url}"')
    if web_listen:
        lines += ["", "[web]", f'listen = "{web_listen}"']
    lines += ["", "[federation]"]
    if network:
        lines.append(f'network = "{network}"')
    lines.append(f"# gossip_interval_s = {DEFAULT_GOSSIP_INTERVAL_S}")
    return "\n".join(lines) + "\n"
