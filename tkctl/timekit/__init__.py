"""timekit."""
