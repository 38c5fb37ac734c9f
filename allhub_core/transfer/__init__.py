"""Transfer (layer L3): data in and out of allhub.

``tabular`` writes the JSON and CSV exports (formula-safe CSV, secrets only on request).
Later: our own backup envelope, the All API Hub extension's formats, client exports.
"""

from allhub_core.transfer.tabular import CSV_COLUMNS, SECRET_KEYS, csv_safe, json_text, to_csv, to_csv_bytes, to_json

__all__ = ["CSV_COLUMNS", "SECRET_KEYS", "csv_safe", "to_csv", "to_csv_bytes", "to_json", "json_text"]
