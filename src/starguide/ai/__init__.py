"""The multi-AI router: providers behind one streaming interface, routing, pricing and budgets."""
