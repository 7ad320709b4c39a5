"""shopdemo: a Django shop whose views exist naive and optimized; perfaudit's demo and proof."""
