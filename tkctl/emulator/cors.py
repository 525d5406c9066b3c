"""CORS headers (§1): booking.js runs in the customer's browser on another origin and calls the
API directly, so every /v2 answer allows any origin and exposes `Timekit-TestMode` (the widget
reads it to draw its test-mode ribbon); an `OPTIONS` preflight is answered before auth.
"""

from __future__ import annotations

# assumed: timekit-api.md §1 (CORS: origin *, exposed Timekit-TestMode, preflight methods/headers)
HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Timekit-TestMode",
}

PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
    "Access-Control-Allow-Headers": ", ".join((
        "Authorization", "Content-Type", "Timekit-App", "Timekit-Context", "Timekit-Timezone",
        "Timekit-InputTimestampFormat", "Timekit-OutputTimestampFormat")),
}
