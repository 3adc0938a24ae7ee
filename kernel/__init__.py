"""onetrip kernel: models, hook contract, plugin manager, rulebook, decisions."""
