"""Detection: fingerprint the SQL, group a request's queries, name N+1s, duplicates, fixes."""
