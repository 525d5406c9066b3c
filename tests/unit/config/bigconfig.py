"""A large, valid config (1,000 resources, 2,000 calendars, 100 projects with widget configs).

Used to check that loading stays correct and fast at the size of a big clinic chain.
"""

from __future__ import annotations

import json
from pathlib import Path

WIDGET = json.loads((Path(__file__).parents[3] / "examples/clinic/widgets/consultation.json").read_text())


def write_big_config(root: Path, resources: int = 1000, calendars_per_resource: int = 2, projects: int = 100) -> None:
    lines = ["resources:"]
    for i in range(resources):
        lines += [
            f"  r-{i:04d}:",
            f"    name: Practitioner {i}",
            f"    email: p{i}@chain.example",
            "    timezone: Europe/Copenhagen",
            "    tags: [gp, consultation]",
            f"    meta: {{staff_id: 'S{i}', site: site-{i % 17}}}",
            "    availability_constraints:",
            "      - block_weekends: {}",
            "      - allow_hours: {start: 8, end: 16}",
            "      - block_hours: {start: '12:00', end: '12:30'}",
            "      - block_period: {start: 2025-07-07, end: 2025-07-28}",
        ]
    (root / "resources.yaml").write_text("\n".join(lines) + "\n")
    lines = ["calendars:"]
    for i in range(resources):
        for j in range(calendars_per_resource):
            lines += [
                f"  c-{i:04d}-{j}:",
                f"    resource: r-{i:04d}",
                f"    name: Calendar {j}",
                "    description: Extra calendar",
                "    backgroundcolor: '#1e6fb8'",
            ]
    (root / "calendars.yaml").write_text("\n".join(lines) + "\n")
    projects_dir = root / "projects"
    projects_dir.mkdir()
    for p in range(projects):
        ui = dict(WIDGET, display_name=f"Project {p}", extra=[{"slot": k, "label": f"Label {k}"} for k in range(150)])
        project = {
            "name": f"Project {p}",
            "slug": f"project-{p}",
            "resources": [f"r-{i:04d}" for i in range(p * 10, p * 10 + 10)],
            "availability": {"mode": "roundrobin_random", "length": "30 minutes"},
            "booking": {"graph": "instant", "what": "Consultation"},
            "customer_fields": {"name": {"title": "Name", "required": True}, "email": {"title": "E-mail", "format": "email"}},
            "reminders": [{"type": "email", "settings": {"recipient": "customer"}, "when": {"type": "before", "unit": "hours", "time": 24}}],
            "ui": ui,
        }
        # JSON is valid YAML: widget configs pasted from the admin UI look like this.
        (projects_dir / f"p{p:03d}.yaml").write_text("projects:\n  p-%03d: %s\n" % (p, json.dumps(project, indent=2).replace("\n", "\n  ")))
