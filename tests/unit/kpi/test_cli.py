"""``suara-kpi`` knows serve, migrate and the rebuild subcommand registered by the service."""

import pytest

from services.kpi import __main__ as cli


def test_rebuild_is_a_subcommand(capsys, monkeypatch):
    seen = {}

    def fake(settings):
        seen["service"] = settings.service
        return 7

    monkeypatch.setattr(cli, "COMMANDS", (cli.Command("rebuild", "test", fake),))
    assert cli.main(["rebuild"]) == 7
    assert seen == {"service": "kpi"}
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "rebuild" in capsys.readouterr().out
