"""The history of documents, read from git: the version in force on a day, who approved what,
what changed, the reviews recorded (git.py the one door to git, reading.py, records.py,
revision_table.py, export.py the stable JSON object)."""
