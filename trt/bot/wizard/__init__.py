"""The input wizard: a model's inputs step by step, a summary with the live price, confirm."""
