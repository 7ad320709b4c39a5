"""Boot the audited project: throwaway test databases, private caches, held interrupts."""
