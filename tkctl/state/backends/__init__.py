"""State backends: `local` (a file and its lock file) and `s3` (an object and its lock object)."""
