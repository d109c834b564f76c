"""Business actions: keyword-only, validated before they write, one transaction each."""
