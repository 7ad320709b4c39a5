"""A small Django project that perfaudit's tests scan: every N+1 kind, clean views and traps."""
