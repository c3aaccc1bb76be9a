"""Config loads once, validates everything, refuses typos; keys are 0600 and never overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from node import config as config_mod
from node import keys
from node.bootstrap import init_node
from node.errors import ConfigError, KeyFileError


def test_init_writes_a_loadable_config_and_private_key(tmp_path: Path) -> None:
    info = init_node(tmp_path / "a", "Commune A", "127.0.0.1:8701")
    cfg = config_mod.load(tmp_path / "a")
    assert cfg.node.name == "Commune A" and cfg.listen == ("127.0.0.1", 8701)
    assert cfg.federation.gossip_interval_s == config_mod.DEFAULT_GOSSIP_INTERVAL_S
    for name in (keys.KEY_FILE, keys.TOKEN_FILE):
        assert stat.S_IMODE((tmp_path / "a" / name).stat().st_mode) == 0o600
    assert keys.load_key(tmp_path / "a").public_key.hex() == info["public_key"]


def test_init_never_overwrites_a_node(tmp_path: Path) -> None:
    init_node(tmp_path / "a", "A", "127.0.0.1:8701")
    before = (tmp_path / "a" / keys.KEY_FILE).read_bytes()
    with pytest.raises(ConfigError, match="never overwritten"):
        init_node(tmp_path / "a", "B", "127.0.0.1:8702")
    assert (tmp_path / "a" / keys.KEY_FILE).read_bytes() == before


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    init_node(tmp_path / "a", "A", "127.0.0.1:8701")
    (tmp_path / "a" / keys.KEY_FILE).chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        keys.load_key(tmp_path / "a")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"node": {"nmae": "x"}}, "unknown option node.nmae"),
        ({"nodes": {}}, "unknown section"),
        ({"node": {"listen": "nowhere"}}, "HOST:PORT"),
        ({"federation": {"fanout": "3"}}, "must be a int"),
        ({"federation": {"gossip_interval_s": 0.01}}, "at least 0.1"),
        ({"das": {"k_anonymity": 4}}, "never be below 5"),
        ({"api": {"listen": "0.0.0.0:8702"}}, "not a loopback address"),
        ({"api": {"listen": "192.0.2.1:8702"}}, "allow_non_loopback"),
        ({"node": {"listen": "127.0.0.1:8701"}, "api": {"listen": "127.0.0.1:8701"}}, "served on the public port"),
        ({"node": {"listen": "0.0.0.0:8701"}, "api": {"listen": "127.0.0.1:8701", "allow_non_loopback": True}}, "own port"),
        ({"node": {"name": "Ville\nX"}}, "control character"),
        ({"node": {"name": "Ville\x1b[31m"}}, "control character"),
    ],
)
def test_bad_config_is_refused_at_load(tmp_path: Path, raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_mod.from_mapping(tmp_path, raw)


def test_missing_or_broken_config_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="democite init"):
        config_mod.load(tmp_path / "none")
    (tmp_path / "node.toml").write_text("[node\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config_mod.load(tmp_path)


def test_non_loopback_admin_address_only_when_asked(tmp_path: Path) -> None:
    cfg = config_mod.from_mapping(tmp_path, {"api": {"listen": "0.0.0.0:8702", "allow_non_loopback": True}})
    assert cfg.api_listen == ("0.0.0.0", 8702)
    assert config_mod.from_mapping(tmp_path, {"api": {"listen": "[::1]:8702"}}).api_listen == ("::1", 8702)


@pytest.mark.parametrize("name", ["Ville\nX", "Ville\tX", "Ville\x00", "Ville\x7f", "A\r"])
def test_init_refuses_a_name_with_a_control_character(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="control character"):
        init_node(tmp_path / "a", name, "127.0.0.1:8701")
    assert not (tmp_path / "a" / "node.toml").exists()


def test_the_sample_config_shows_every_option_with_its_default() -> None:
    """configs/node.toml documents every option: each section and option the code knows, with the
    default the code uses (the node name and listen address aside, which init chooses)."""
    import dataclasses
    import tomllib

    from node import config as config_mod

    sample = tomllib.loads((Path(config_mod.__file__).resolve().parents[1] / "configs" / "node.toml").read_text())
    missing, different = [], []
    for section, cls in config_mod._SECTIONS.items():
        for f in dataclasses.fields(cls):
            if f.name not in sample.get(section, {}):
                missing.append(f"{section}.{f.name}")
                continue
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            shown = sample[section][f.name]
            if isinstance(default, tuple):
                shown = tuple(shown)
            if (section, f.name) not in {("node", "name"), ("node", "listen")} and shown != default:
                different.append(f"{section}.{f.name}: {shown!r} shown, {default!r} used")
    assert missing == [] and different == []
