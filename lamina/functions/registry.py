"""One function's versions and aliases, and how a qualifier picks the version to run.

$LATEST is mutable; a published version is an immutable snapshot of $LATEST's code and
configuration, numbered from 1 and never renumbered (a deleted number is not reused).
An alias points to one version and may route a share of its invocations to a second.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html
"""

from __future__ import annotations

import random

import msgspec

from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import AliasConfig, FunctionConfig

LATEST = "$LATEST"


class DeployedFunction:
    """The mutable record of one function; every config it hands out is frozen."""

    def __init__(self, config: FunctionConfig) -> None:
        self.latest = msgspec.structs.replace(config, version=LATEST)
        self.versions: dict[str, FunctionConfig] = {}
        self.aliases: dict[str, AliasConfig] = {
            # Template-declared aliases (SAM AutoPublishAlias) start on $LATEST; lamina up
            # publishes the template's version and points them at it (cli/publish.py).
            name: AliasConfig(name=name, function_version=LATEST)
            for name in config.aliases
        }
        self.last_version = 0

    @property
    def name(self) -> str:
        return self.latest.name

    def update(self, config: FunctionConfig) -> None:
        self.latest = msgspec.structs.replace(config, version=LATEST)

    def publish(self) -> FunctionConfig:
        self.last_version += 1
        version = msgspec.structs.replace(self.latest, version=str(self.last_version))
        self.versions[version.version] = version
        return version

    def config(self, version: str) -> FunctionConfig:
        if version == LATEST:
            return self.latest
        config = self.versions.get(version)
        if config is None:
            raise FunctionNotFoundError(f"Function not found: {self.name}:{version}")
        return config

    def alias(self, name: str) -> AliasConfig:
        alias = self.aliases.get(name)
        if alias is None:
            raise FunctionNotFoundError(f"Alias not found: {self.name}:{name}")
        return alias

    def set_alias(self, alias: AliasConfig) -> None:
        """Create or replace an alias; every version it names must exist."""
        for version in (alias.function_version, *alias.additional_version_weights):
            self.config(version)
        self.aliases[alias.name] = alias

    def delete_version(self, version: str) -> FunctionConfig:
        config = self.config(version)
        del self.versions[version]
        return config

    def aliases_of(self, version: str) -> list[str]:
        """Aliases that route any traffic to ``version``."""
        return sorted(
            alias.name
            for alias in self.aliases.values()
            if version == alias.function_version or version in alias.additional_version_weights
        )

    def resolve(self, qualifier: str | None, rng: random.Random) -> FunctionConfig:
        """The configuration an invocation with ``qualifier`` runs."""
        if qualifier is None or qualifier == LATEST:
            return self.latest
        if qualifier.isdigit():
            return self.config(qualifier)
        if qualifier not in self.aliases:
            raise FunctionNotFoundError(f"Function not found: {self.name}:{qualifier}")
        return self.config(pick_version(self.aliases[qualifier], rng.random()))


def pick_version(alias: AliasConfig, draw: float) -> str:
    """The version for a uniform ``draw`` in [0, 1): each additional version takes its
    weight's share, the alias's own version the rest."""
    floor = 0.0
    for version, weight in alias.additional_version_weights.items():
        floor += weight
        if draw < floor:
            return version
    return alias.function_version
