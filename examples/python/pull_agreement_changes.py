#!/usr/bin/env python3
"""Pull the agreement changes of an organisation's caseload, continuing where the last run ended.

An organisation's back office runs this on a schedule, as the organisation's integration: a
service token with the `caseload:export` scope (in the demo:
`maatwerk token --service buurtteam-amsterdam-west --scopes caseload:export`).

Each run pages through `agreementChanges(first:, after:)`, oldest change first, starting after
the cursor that the previous run saved. It prints every change (hand it to your own system
there) and saves the page's `endCursor` after each page, so the next run continues after the
last change handled. An agreement comes back once when it is made and again whenever its status
changes, each time at a newer `version`: a run never prints a change that an earlier run
printed.

A change is listed once it is `limits.change_settle_seconds` old (5 by default), so that a
change committed late is never passed by a cursor: a change made a moment ago shows up in the
next run.

    GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=... \\
        python pull_agreement_changes.py --state agreement-changes.cursor.json
"""

import argparse
import json
import os
import sys
from pathlib import Path

from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

AGREEMENT_CHANGES = gql(
    """
    query AgreementChanges($first: Int!, $after: String) {
      agreementChanges(first: $first, after: $after) {
        edges {
          node {
            id
            caseId
            version
            status
            statusChangedAt
            what
            dueOn
            organisation { slug }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    """
)


def read_cursor(state: Path) -> str | None:
    """The cursor the previous run saved, or None on the first run."""
    if not state.exists():
        return None
    return json.loads(state.read_text())["endCursor"]


def save_cursor(state: Path, cursor: str) -> None:
    """Saves the cursor atomically: a run stopped halfway leaves the previous file whole."""
    partial = state.with_name(state.name + ".partial")
    partial.write_text(json.dumps({"endCursor": cursor}) + "\n")
    os.replace(partial, state)


def handle(agreement: dict) -> None:
    """Where your back office takes the change in; here it is printed."""
    organisation = (agreement["organisation"] or {}).get("slug", "-")
    print(
        f"change agreement={agreement['id']} version={agreement['version']}"
        f" status={agreement['status']} case={agreement['caseId']}"
        f" organisation={organisation} what={agreement['what'] or '-'}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=Path("agreement-changes.cursor.json"),
                        help="where the last cursor is kept between runs")
    parser.add_argument("--page-size", type=int, default=50, help="changes per request (at most 100)")
    args = parser.parse_args()

    url = os.environ.get("GRAPHQL_URL", "http://127.0.0.1:8080/graphql")
    token = os.environ["GRAPHQL_TOKEN"]
    transport = HTTPXTransport(url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    after = read_cursor(args.state)
    pulled = 0
    with Client(transport=transport) as session:
        while True:
            try:
                page = session.execute(
                    AGREEMENT_CHANGES, variable_values={"first": args.page_size, "after": after}
                )["agreementChanges"]
            except TransportQueryError as error:
                # FORBIDDEN: the token is not an integration's with `caseload:export`.
                # BAD_USER_INPUT on `after`: the state file holds no cursor of this connection.
                first = (error.errors or [{}])[0]
                code = first.get("extensions", {}).get("code", "")
                print(f"agreementChanges failed: {code}: {first.get('message', error)}", file=sys.stderr)
                return 1
            for edge in page["edges"]:
                handle(edge["node"])
                pulled += 1
            # Save after handling the page: a run that stops midway repeats at most one page.
            if page["pageInfo"]["endCursor"]:
                after = page["pageInfo"]["endCursor"]
                save_cursor(args.state, after)
            if not page["pageInfo"]["hasNextPage"] or not page["edges"]:
                break

    if pulled:
        noun = "change" if pulled == 1 else "changes"
        print(f"pulled {pulled} {noun}; the next run continues after them ({args.state})")
    else:
        print("no new changes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
