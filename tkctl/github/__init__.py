"""Posting plans and drift reports to GitHub, for `tkctl github comment` and `tkctl github issue`.

    context.py  what the workflow run says: token, repository, API URL, the pull request
    client.py   the few REST calls (issue comments, issues), Link-header pagination, errors
    markers.py  the hidden first line by which tkctl finds its own comment or issue again
    comment.py  one comment per pull request, config folder and environment, updated in place
    issue.py    one open issue per config folder and environment for drift, closed when it ends

The logic lives here rather than in the Action's shell, so it is tested like the rest of tkctl
and works the same from any CI that can reach the GitHub API.
"""
