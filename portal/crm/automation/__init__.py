"""The CRM's side of the rule files: the facts the rules read, the actions they
may take, and the sweeps and services that select candidates in SQL, ask the
rules, and apply what they decide."""
