"""The terminal, with rich: scan tables, bench tables, the pytest summary, progress bars."""
