"""X-Ray settings from templates: SAM `TracingEnabled` on an Api (a REST stage's
TracingEnabled) and `Tracing: Active` on a function (TracingConfig.Mode), and GetStage's
tracingEnabled record through render -> compile.
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
"""

from __future__ import annotations

from lamina.config.load import load_application
from lamina.config.stage_tracing import record_stage_tracing
from tests.conftest import FIXTURES


def test_sam_tracing_settings_reach_the_stage_and_functions() -> None:
    app = load_application(
        FIXTURES / "apps" / "traced", region="us-east-1", account_id="123456789012"
    )
    (api,) = app.rest_apis
    # SAM's Deployment also makes its `Stage` stage, which the Api's settings do not reach.
    assert {s.name: s.tracing_enabled for s in api.stages} == {"prod": True, "Stage": False}
    modes = {function.name: function.tracing_mode for function in app.functions}
    assert modes == {
        "Hello": "Active",
        "Sdk": "Active",
        "Powertools": "Active",
        "Plain": "PassThrough",
    }


def test_stage_records_say_whether_tracing_is_on() -> None:
    assert record_stage_tracing({"tracingEnabled": True}) == {"tracing_enabled": True}
    assert record_stage_tracing({}) == {"tracing_enabled": False}
