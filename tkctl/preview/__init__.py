"""`tkctl preview`: Timekit's real booking widget, rendered from the config, before customers see it.

    bundle.py       where the widget's script comes from (--widget-js, or the pinned npm package, cached)
    sandbox.py      a fresh in-memory emulator with the config applied (never an account, never a state file)
    planned.py      with a saved plan: the config as the account stood before it
    pages.py        the pages, served under /preview on the emulator's own origin
    session.py      the three together: one preview
    chromium.py     the system's headless Chromium, driven by Playwright
    screenshots.py  a PNG of each page once its slots are drawn, and previews.json
"""
