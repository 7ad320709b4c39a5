"""The bench: naive and optimized twins at several scales, equality, growth, timing and gates."""
