"""Downloads: a list too long to stream within a worker's time is refused before it starts."""

import pytest

from portal import downloads


@pytest.mark.parametrize(
    "url", ["/{lang}/procedures?format=csv", "/{lang}/inspections/findings?format=json"]
)
def test_a_download_past_the_limit_is_a_clear_413_and_one_within_it_streams(
    client, monkeypatch, make_procedure, make_finding, url
):
    for _ in range(3):
        make_procedure()
        make_finding()
    monkeypatch.setattr(downloads, "MAX_ROWS", 2)
    response = client.get(url.format(lang="en"))
    assert response.status_code == 413
    assert "This download would hold 3 rows, more than 2: narrow the list" in response.text
    response = client.get(url.format(lang="vi"))
    assert response.status_code == 413 and "Tệp tải về sẽ có 3 dòng, vượt quá 2" in response.text
    monkeypatch.setattr(downloads, "MAX_ROWS", 3)
    assert client.get(url.format(lang="vi")).status_code == 200
