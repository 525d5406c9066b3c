"""Plain emulated objects (§8-§13): validation, state changes and their public shape; no HTTP.

Each module owns one kind of object and works on a locked `AppData` (store.py).
"""
