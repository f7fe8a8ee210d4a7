import logging
from pathlib import Path

from reviewer.logs import RedactingFilter, setup_logging

KEY = "al_live_" + "9c" * 32


def test_keys_are_redacted_from_messages_and_tracebacks(tmp_path: Path) -> None:
    redactor = setup_logging(tmp_path / "logs", "DEBUG")
    redactor.add_secret("custom-secret-value")
    log = logging.getLogger("reviewer.test")
    try:
        log.info("using key %s", KEY)
        log.warning("other %s", "custom-secret-value")
        try:
            raise RuntimeError(f"failed with {KEY}")
        except RuntimeError:
            log.exception("boom")
    finally:
        for handler in list(logging.getLogger().handlers):
            if redactor in handler.filters:
                handler.close()
                logging.getLogger().removeHandler(handler)
    text = (tmp_path / "logs" / "reviewer.log").read_text()
    assert "<redacted>" in text
    assert KEY not in text
    assert KEY[8:20] not in text
    assert "custom-secret-value" not in text
    assert "RuntimeError" in text


def test_filter_leaves_plain_records_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "hello world"
