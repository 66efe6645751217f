"""What FlushStageCache and FlushStageAuthorizersCache empty: the stage's entries, and the
cached results of the API's authorizers (its stages' own deployments included)."""

from __future__ import annotations

from lamina.gateway.auth.cache import AuthorizerAnswer, MemoryAuthorizerCache
from lamina.gateway.cache.flush import StageCacheFlusher
from lamina.gateway.cache.memory import MemoryResponseCache
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import Authorizer, RestApi, Stage

ANSWER = AuthorizerAnswer(principal_id="user-1")


def _authorizer(authorizer_id: str) -> Authorizer:
    return Authorizer(id=authorizer_id, name=authorizer_id, type="TOKEN", function_name="Auth")


def _deployment() -> Deployment:
    staged = RestApi(id="api1", logical_id="A", name="A", authorizers=(_authorizer("new1"),))
    one = RestApi(
        id="api1",
        logical_id="A",
        name="A",
        authorizers=(_authorizer("auth1"),),
        stages=(Stage(name="Prod"), Stage(name="Beta", deployment_id="d2", definition=staged)),
    )
    other = RestApi(id="api2", logical_id="B", name="B", authorizers=(_authorizer("auth2"),))
    return Deployment((one, other), (), account_id="123456789012", region="us-east-1")


async def test_flush_stage_empties_that_stage_only() -> None:
    responses = MemoryResponseCache()
    flusher = StageCacheFlusher(responses, MemoryAuthorizerCache(), _deployment)
    await responses.put("api1/Prod", "k", b"e", 60, 1 << 20)
    await responses.put("api1/Beta", "k", b"e", 60, 1 << 20)
    await flusher.flush_stage("api1", "Prod")
    assert await responses.get("api1/Prod", "k") is None
    assert await responses.get("api1/Beta", "k") == b"e"


async def test_flush_authorizers_forgets_the_apis_authorizers_on_that_stage() -> None:
    authorizers = MemoryAuthorizerCache()
    flusher = StageCacheFlusher(MemoryResponseCache(), authorizers, _deployment)
    for authorizer_id in ("auth1", "new1", "auth2"):
        await authorizers.put((authorizer_id, "Prod", "token"), ANSWER, 60)
    await authorizers.put(("auth1", "Beta", "token"), ANSWER, 60)
    await flusher.flush_authorizers("api1", "Prod")
    assert await authorizers.get(("auth1", "Prod", "token")) is None
    assert await authorizers.get(("new1", "Prod", "token")) is None
    assert await authorizers.get(("auth2", "Prod", "token")) == ANSWER
    assert await authorizers.get(("auth1", "Beta", "token")) == ANSWER  # another stage
    await flusher.flush_authorizers("unknown", "Prod")  # nothing to do
