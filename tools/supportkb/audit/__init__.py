"""Audit packs: what an auditor takes away (`kb audit-pack`). One zip per date holding the
register as of that date, each controlled document's history and the text in force then,
the approvals, reviews and drill records as they stood, the commit it was made from and a
manifest with the SHA-256 of every file (archive.py writes and reads zips safely, pack.py
gathers the content, rendering.py makes the self-contained HTML, verification.py checks a
pack against its manifest)."""
