#!/usr/bin/env python3
"""Push agreement statuses from a back office, so that a retried row is never applied twice.

Reads a CSV file with a header line and the columns `agreement` (its ID, as `agreementChanges`
gives it), `status` (OPEN, IN_PROGRESS, DONE or CANCELLED) and `version` (the agreement's
version the status is set at), the same columns `maatwerk import agreement-statuses` reads,
and calls `setAgreementStatus(id:, status:, version:)` for each row.

Who may call it: `setAgreementStatus` is work on the case, for the professionals on its team
(the action policy in tests/output/action-table.txt allows it to a case lead or member with the
`professional` role, and to a coach on the case). A service token gets `NOT_FOUND` for every
agreement, whatever its scopes. So the script acts as one professional of the organisation,
with their token from the organisation's identity provider (in the demo:
`maatwerk token --org buurtteam-amsterdam-west --person anna`), and the change is recorded
under their name, as with the bulk import.

Every request carries an `Idempotency-Key` derived from the row. A retry of the same row (after
a timeout, a lost connection, or a run of the whole file again) gets the first response back,
marked with the response header `Idempotent-Replayed: true`, and writes nothing new. The server
compares the request's body too: keep the mutation text below unchanged between a run and its
retry, or the key is refused as "already used for a different request".

A row at a version that is no longer current is refused with `CONFLICT` and changes nothing:
read the agreement again (or pull its change) and decide anew. The script exits 1 when a row
was refused.

    GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=... \\
        python push_agreement_statuses.py statuses.csv
"""

import argparse
import csv
import hashlib
import os
import sys
import time
from pathlib import Path

from gql import Client, gql
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXTransport

SET_AGREEMENT_STATUS = gql(
    """
    mutation SetAgreementStatus($id: ID!, $status: AgreementStatus!, $version: Int!) {
      setAgreementStatus(id: $id, status: $status, version: $version) {
        id
        status
        version
        statusChangedAt
      }
    }
    """
)

ATTEMPTS = 4


def idempotency_key(row: dict) -> str:
    """The same row gives the same key; a corrected row (another status or version) a new one.
    Keys are kept per signed-in actor, so two professionals never share one."""
    content = "\n".join([row["agreement"], row["status"], row["version"]])
    return "agreement-status-" + hashlib.sha256(content.encode()).hexdigest()


def push(session, transport: HTTPXTransport, row: dict) -> tuple[str, str]:
    """Sends one row, retrying with the same key where a retry is safe.
    Returns the outcome (applied, replayed or refused) and what to print after it."""
    key = idempotency_key(row)
    variables = {"id": row["agreement"], "status": row["status"], "version": int(row["version"])}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result = session.execute(
                SET_AGREEMENT_STATUS,
                variable_values=variables,
                extra_args={"headers": {"Idempotency-Key": key}},
            )
        except (TransportConnectionFailed, TransportServerError) as error:
            # No answer, or not a GraphQL one: whether the write happened is unknown, and the
            # key makes asking again safe.
            if attempt == ATTEMPTS:
                return "refused", f"no answer after {ATTEMPTS} attempts: {error}"
            time.sleep(attempt)
            continue
        except TransportQueryError as error:
            replayed = replayed_response(transport)
            first = (error.errors or [{}])[0]
            code = first.get("extensions", {}).get("code", "")
            message = first.get("message", str(error))
            retry_after = int(transport.response_headers.get("retry-after", "1"))
            if attempt < ATTEMPTS and not replayed and (
                code == "INTERNAL"  # failed inside the server: nothing was kept under the key
                or (code == "CONFLICT" and "still running" in message)  # an earlier try still runs
                or (code == "RATE_LIMITED" and retry_after <= 10)
            ):
                time.sleep(max(retry_after, attempt))
                continue
            if replayed and message.startswith("this request was carried out"):
                # Carried out by an earlier try, but its response is not sent again (the case
                # changed since, or the answer was lost): read the agreement to see where it is.
                return "replayed", f"(carried out before: {message})"
            prefix = "replayed, " if replayed else ""
            return "refused", f"{prefix}code={code}: {message}"
        agreement = result["setAgreementStatus"]
        outcome = "replayed" if replayed_response(transport) else "applied"
        note = " (the kept response; nothing written)" if outcome == "replayed" else ""
        return outcome, f"status={agreement['status']} version={agreement['version']}{note}"
    raise AssertionError("unreachable")


def replayed_response(transport: HTTPXTransport) -> bool:
    headers = transport.response_headers or {}
    return headers.get("idempotent-replayed") == "true"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="CSV with the columns agreement,status,version")
    args = parser.parse_args()

    url = os.environ.get("GRAPHQL_URL", "http://127.0.0.1:8080/graphql")
    token = os.environ["GRAPHQL_TOKEN"]
    transport = HTTPXTransport(url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    counts = {"applied": 0, "replayed": 0, "refused": 0}
    with args.file.open(newline="") as file, Client(transport=transport) as session:
        rows = list(csv.DictReader(file))
        for row in rows:
            row = {name: (value or "").strip() for name, value in row.items()}
            outcome, detail = push(session, transport, row)
            counts[outcome] += 1
            print(f"{outcome} agreement={row['agreement']} {detail}", flush=True)

    print(f"rows: {len(rows)}, applied: {counts['applied']}, replayed: {counts['replayed']},"
          f" refused: {counts['refused']}")
    return 1 if counts["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
