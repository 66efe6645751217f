"""Error objects built inside the worker, in the Python runtime's shape.

https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
"""

from lamina.functions.bootstrap import fault


def raise_value_error() -> None:
    raise ValueError("bad input")


def test_from_exception_has_lambda_fields_in_order() -> None:
    try:
        raise_value_error()
    except ValueError as error:
        body = fault.from_exception(error, "rid-1")
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "bad input"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == "rid-1"
    assert 'raise ValueError("bad input")' in body["stackTrace"][-1]
    assert body["stackTrace"][-1].startswith('  File "')


def test_from_exception_runtime_fault_keeps_its_type_and_empty_trace() -> None:
    error = fault.Fault("Runtime.MarshalError", "Unable to marshal response: x")
    body = fault.from_exception(error, "rid")
    assert body == {
        "errorMessage": "Unable to marshal response: x",
        "errorType": "Runtime.MarshalError",
        "requestId": "rid",
        "stackTrace": [],
    }


def test_log_lines_start_with_error_type_and_message() -> None:
    body = fault.error_object("ValueError", "bad", "rid", ['  File "a.py", line 1, in f\n    x\n'])
    assert fault.log_lines(body) == (
        "[ERROR] ValueError: bad\nTraceback (most recent call last):\n"
        '  File "a.py", line 1, in f\n    x\n'
    )
