"""The offline builder: stored snapshot → securiCAD JSON. Never imports azure or msgraph."""
