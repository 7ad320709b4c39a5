"""``pytest --perfaudit``: the audit of each test's body, its options and its pytest hooks."""
