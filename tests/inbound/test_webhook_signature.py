"""The webhook's signature check accepts exactly what the SDK's validator accepts, for any
address, port, query string and form."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from lupus_sms.messaging.signatures import WebhookSignature

TOKEN = "test-auth-token-0123456789abcdef"
hosts = st.from_regex(r"[a-z][a-z0-9-]{0,12}(\.[a-z]{2,6}){1,2}", fullmatch=True)
ports = st.sampled_from(["", ":80", ":443", ":8080", ":8443", ":1"])
paths = st.sampled_from(["/twilio/sms", "/twilio/status", "/base/twilio/sms", "/a;b/sms"])
query_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("&=?#\t\n% +"),
    max_size=20,
)
queries = st.one_of(
    st.just(""),
    st.lists(st.tuples(st.sampled_from(["a", "b", "message_id", "é"]), query_text), max_size=3).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
    ),
    query_text,
)
# Repeated keys arrive as the last value: the form is a dict, as read_signed_form makes it.
names = st.sampled_from(["Body", "From", "MessageSid", "To", "Ünïcode", "a", "A", ""])
values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
forms = st.lists(st.tuples(names, values), max_size=8).map(dict)


@settings(max_examples=100, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https"]),
    host=hosts,
    port=ports,
    path=paths,
    query=queries,
    form=forms,
    signed_with=st.sampled_from(["without port", "with port", "as given", "wrong", "garbage"]),
    garbage=st.text(max_size=30),
)
def test_verdicts_are_the_sdks(scheme, host, port, path, query, form, signed_with, garbage):
    address = f"{scheme}://{host}{port}{path}"
    url = address + (f"?{query}" if query else "")
    sdk = RequestValidator(TOKEN)
    default = ":443" if scheme == "https" else ":80"
    signed_url = {
        "without port": url.replace(f"{host}{port}", host, 1),
        "with port": url.replace(f"{host}{port}", f"{host}{port or default}", 1),
        "as given": url,
        "wrong": url + "x",
        "garbage": url,
    }[signed_with]
    signature = garbage if signed_with == "garbage" else sdk.compute_signature(signed_url, form)
    if signed_with == "wrong":
        signature = sdk.compute_signature(signed_url, form)
    expected = sdk.validate(url, form, signature)
    assert WebhookSignature(TOKEN, address).valid(query, form, signature) is expected
    other = RequestValidator(TOKEN + "x").compute_signature(url, form)
    assert WebhookSignature(TOKEN, address).valid(query, form, other) is sdk.validate(
        url, form, other
    )
