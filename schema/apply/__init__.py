"""Safe deploys: `tool apply` and what it builds on (lock, history, transactions, backup)."""
