"""Helpers that several stages share; no stage of its own.  A stage takes what it shares with another from
here, never from the other stage's module (docs/architecture.md)."""
