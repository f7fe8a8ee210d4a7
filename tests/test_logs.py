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


def test_at_debug_the_log_leaves_out_qasyncs_call_by_call_lines(tmp_path: Path) -> None:
    # qasync logs each executor call with its arguments (whole images) at DEBUG.
    redactor = setup_logging(tmp_path / "logs", "DEBUG")
    try:
        logging.getLogger("qasync._QThreadWorker").debug("got callback %r", b"\x89PNG" * 1000)
        logging.getLogger("qasync").info("kept")
        logging.getLogger("reviewer.test").debug("ours, kept")
    finally:
        for handler in list(logging.getLogger().handlers):
            if redactor in handler.filters:
                handler.close()
                logging.getLogger().removeHandler(handler)
        logging.getLogger("qasync").setLevel(logging.NOTSET)
    text = (tmp_path / "logs" / "reviewer.log").read_text()
    assert "got callback" not in text
    assert "kept" in text
    assert "ours, kept" in text
