"""The JSON API against its own OpenAPI description, with schemathesis: every operation,
300 generated requests each, every check (no server error, responses as described)."""

import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = 300


def test_the_api_does_what_its_description_says(app, index, make_announcement):
    make_announcement(slug="khai-sinh", title_vi="Hướng dẫn đăng ký khai sinh")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            # Uncompressed: schemathesis reads a body as it comes, and cannot unpack brotli
            # (which answers of 500 bytes or more get; tests/test_delivery.py checks that).
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        call()
