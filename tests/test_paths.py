import sys
from pathlib import Path

import pytest

from reviewer.review import paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")
def test_every_folder_follows_the_xdg_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name))
    assert paths.config_dir() == tmp_path / "XDG_CONFIG_HOME" / "aurous-reviewer"
    assert paths.data_dir() == tmp_path / "XDG_DATA_HOME" / "aurous-reviewer"
    assert paths.cache_dir() == tmp_path / "XDG_CACHE_HOME" / "aurous-reviewer"
    assert paths.log_dir().is_relative_to(tmp_path / "XDG_STATE_HOME")
