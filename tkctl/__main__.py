from tkctl.cli import entry

entry()
