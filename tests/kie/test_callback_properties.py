"""parse_callback and the signature checks never raise, whatever arrives."""

import json
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from trt.kie import CallbackWakeup, parse_callback, verify_job_signature, verify_kie_signature
from trt.kie.callbacks import MAX_BODY_BYTES

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["data", "taskId", "task_id", "code", "callbackType", "info", "state"])
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)
string_maps = st.dictionaries(st.text(max_size=20), st.text(max_size=60), max_size=6)


def check(result: object) -> None:
    assert isinstance(result, CallbackWakeup)
    for value in (result.task_id, result.job_ref, result.job_sig, result.callback_type):
        assert value is None or (isinstance(value, str) and value)


def expected_ref(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped if stripped and stripped.isprintable() else None


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=2000), query=string_maps, headers=string_maps)
def test_arbitrary_bytes_never_raise(
    body: bytes, query: dict[str, str], headers: dict[str, str]
) -> None:
    check(parse_callback(body, query, headers))


@settings(max_examples=300, deadline=None)
@given(document=json_values, query=string_maps)
def test_arbitrary_json_never_raises(document: object, query: dict[str, str]) -> None:
    result = parse_callback(json.dumps(document).encode(), query, {})
    check(result)
    assert result.job_ref == expected_ref(query.get("job"))
    assert result.job_sig == expected_ref(query.get("sig"))


@settings(max_examples=200, deadline=None)
@given(document=json_values)
def test_json_hidden_in_strings_and_forms_never_raises(document: object) -> None:
    as_string = json.dumps({"code": 200, "data": json.dumps(document)}).encode()
    as_form = urlencode({"data": json.dumps(document), "taskId": json.dumps(document)}).encode()
    check(parse_callback(as_string, {}, {}))
    check(parse_callback(as_form, {}, {"Content-Type": "application/x-www-form-urlencoded"}))


@settings(max_examples=200, deadline=None)
@given(filler=json_values)
def test_wrong_types_at_known_places_never_raise(filler: object) -> None:
    documents = [
        {"data": filler},
        {"code": filler, "taskId": filler, "task_id": filler},
        {"data": {"taskId": filler, "callbackType": filler, "info": filler, "state": filler}},
    ]
    for document in documents:
        check(parse_callback(json.dumps(document).encode(), {}, {}))


def test_deep_nesting_never_raises() -> None:
    for opener in (b"[", b'{"a":', b'{"data":'):
        for depth in (1_000, 100_000):
            check(parse_callback(opener * depth, {"job": "1"}, {}))
    deep_string = json.dumps({"data": "[" * 100_000}).encode()
    check(parse_callback(deep_string, {}, {}))
    deep_form = b"data=" + b"%5B" * 100_000
    check(parse_callback(deep_form, {}, {"content-type": "application/x-www-form-urlencoded"}))


def test_huge_bodies_never_raise_and_keep_query_fields() -> None:
    query = {"job": "9", "sig": "s"}
    for body in (
        b"x" * (MAX_BODY_BYTES + 1),
        b"a=b&" * (MAX_BODY_BYTES // 4),
        b"[" * MAX_BODY_BYTES,
    ):
        result = parse_callback(body, query, {})
        assert (result.job_ref, result.job_sig) == ("9", "s")


@settings(max_examples=300, deadline=None)
@given(
    task_id=st.text(max_size=40),
    headers=string_maps,
    key=st.text(max_size=20),
    now=st.floats(allow_nan=True, allow_infinity=True),
    window=st.floats(allow_nan=True, allow_infinity=True),
)
def test_kie_signature_check_never_raises(
    task_id: str, headers: dict[str, str], key: str, now: float, window: float
) -> None:
    assert verify_kie_signature(
        task_id=task_id, headers=headers, hmac_key=key, now=now, window=window
    ) in (True, False)


@settings(max_examples=300, deadline=None)
@given(
    job_id=st.none() | st.integers() | st.text(max_size=40),
    sig=st.none() | st.integers() | st.text(max_size=40) | st.binary(max_size=40),
    secret=st.text(max_size=20),
)
def test_job_signature_check_never_raises(job_id: object, sig: object, secret: str) -> None:
    assert verify_job_signature(job_id, sig, secret) in (True, False)
