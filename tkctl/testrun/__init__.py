"""`tkctl test`: availability tests run against an account or a fresh emulator (session, runner),
and their reports (report)."""
