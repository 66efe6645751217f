import re
import uuid

from lamina.core.ids import new_extended_request_id, new_request_id, new_trace_id


def test_request_id_is_a_version_4_uuid() -> None:
    for _ in range(200):
        parsed = uuid.UUID(new_request_id())
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_extended_request_id_has_aws_shape() -> None:
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", new_extended_request_id())


def test_trace_id_has_xray_root_shape() -> None:
    assert re.fullmatch(r"Root=1-0000002a-[0-9a-f]{24}", new_trace_id(42))


def test_ids_are_unique() -> None:
    assert len({new_request_id() for _ in range(10_000)}) == 10_000
